import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere, startFakeJina } from '../helpers/fakes/rerank-fakes.js';
import { rank } from '../helpers/fakes/scoring.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const DOCS = ['first document', 'second document', 'third document', 'fourth document'];

describe('fail-open', () => {
  let broken: FakeServer;
  let picky: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    broken = await startFake((_req, res) => sendJson(res, 503, { message: 'service unavailable' }));
    picky = await startFake((_req, res) => sendJson(res, 400, { message: 'invalid request: bad document' }));
    gw = await startGateway({
      providers: [
        { name: 'broken', type: 'cohere', api_key: 'k', base_url: broken.url, max_retries: 0 },
        { name: 'alsobroken', type: 'jina', api_key: 'k', base_url: broken.url, max_retries: 0 },
        { name: 'picky', type: 'cohere', api_key: 'k', base_url: picky.url, max_retries: 0 },
      ],
      models: [
        {
          name: 'open',
          target: 'broken/rerank-v3.5',
          fallbacks: ['alsobroken/jina-reranker-v2-base-multilingual'],
          on_failure: 'passthrough',
        },
        { name: 'closed', target: 'broken/rerank-v3.5', on_failure: 'error' },
        { name: 'open-picky', target: 'picky/rerank-v3.5', on_failure: 'passthrough' },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await broken.close();
    await picky.close();
  });

  it('passthrough returns the documents in their order, marked degraded, once every target failed', async () => {
    broken.requests.length = 0;
    const res = await gw.post('/v1/rerank', { model: 'open', query: 'q', documents: DOCS, top_n: 3, return_documents: true });
    assert.equal(res.status, 200);
    assert.equal(broken.requests.length, 2); // primary and fallback were both tried
    assert.deepEqual(
      res.json.results.map((r: any) => r.index),
      [0, 1, 2],
    );
    const scores = res.json.results.map((r: any) => r.relevance_score);
    assert.ok(scores[0] > scores[1] && scores[1] > scores[2]);
    assert.equal(res.json.results[1].document.text, 'second document');
    assert.equal(res.json.extra_fields.degraded, true);
    assert.equal(res.headers.get('x-rankway-degraded'), 'true');
  });

  it('the dialects fail open too, in their own shape', async () => {
    const res = await gw.post('/voyage/v1/rerank', { model: 'open', query: 'q', documents: DOCS });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.json.data.map((r: any) => r.index),
      [0, 1, 2, 3],
    );
    assert.equal(res.headers.get('x-rankway-degraded'), 'true');
  });

  it('on_failure: error returns the failure', async () => {
    const res = await gw.post('/v1/rerank', { model: 'closed', query: 'q', documents: DOCS });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'upstream_unavailable');
    assert.equal(res.headers.get('x-rankway-degraded'), null);
  });

  it('a request the upstream rejects as invalid is not papered over', async () => {
    const res = await gw.post('/v1/rerank', { model: 'open-picky', query: 'q', documents: DOCS });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'upstream_rejected_request');
  });
});

describe('provider protection', () => {
  let slow: FakeServer;
  let backup: FakeServer;
  let limited: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    // Answers like Cohere, 400 ms late.
    slow = await startFake(async (req, res) => {
      await new Promise((r) => setTimeout(r, 400));
      const docs = req.json.documents as string[];
      sendJson(res, 200, {
        id: 'x',
        results: rank(req.json.query, docs).map((r) => ({ index: r.index, relevance_score: r.score })),
        meta: { billed_units: { search_units: 1 } },
      });
    });
    backup = await startFakeJina({ apiKey: 'backup' });
    limited = await startFakeCohere({ apiKey: 'lim' });
    gw = await startGateway({
      providers: [
        { name: 'slow', type: 'cohere', api_key: 'slow', base_url: slow.url, max_concurrency: 1, queue_timeout_ms: 50 },
        { name: 'backup', type: 'jina', api_key: 'backup', base_url: backup.url },
        { name: 'limited', type: 'cohere', api_key: 'lim', base_url: limited.url, requests_per_minute: 2, queue_timeout_ms: 50 },
      ],
      models: [
        { name: 'guarded', target: 'slow/rerank-v3.5', fallbacks: ['backup/jina-reranker-v2-base-multilingual'] },
        { name: 'rpm', target: 'limited/rerank-v3.5', fallbacks: ['backup/jina-reranker-v2-base-multilingual'] },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([slow.close(), backup.close(), limited.close()]);
  });

  it('a call over max_concurrency waits its bounded time, then goes to the fallback', async () => {
    slow.requests.length = 0;
    backup.requests.length = 0;
    const body = (q: string) => ({ model: 'guarded', query: q, documents: DOCS, cache: false });
    const [a, b] = await Promise.all([gw.post('/v1/rerank', body('one')), gw.post('/v1/rerank', body('two'))]);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(slow.requests.length, 1);
    assert.equal(backup.requests.length, 1);
    assert.deepEqual([a.json.extra_fields.fallback_index ?? 0, b.json.extra_fields.fallback_index ?? 0].sort(), [0, 1]);
  });

  it('requests_per_minute: calls beyond the limit fall back instead of earning an upstream 429', async () => {
    limited.requests.length = 0;
    backup.requests.length = 0;
    const served: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await gw.post('/v1/rerank', { model: 'rpm', query: `q${i}`, documents: DOCS, cache: false });
      assert.equal(res.status, 200);
      served.push(res.json.extra_fields.provider);
    }
    assert.deepEqual(served, ['limited', 'limited', 'backup', 'backup']);
    assert.equal(limited.requests.length, 2);
  });

  it('with no fallback left, the caller gets 503 provider_busy with Retry-After', async () => {
    const res = await gw.post('/v1/rerank', { model: 'limited/rerank-v3.5', query: 'q', documents: DOCS, cache: false });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, 'provider_busy');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
  });
});
