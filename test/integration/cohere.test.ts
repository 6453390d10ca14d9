import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendJson, type FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { rank } from '../helpers/fakes/scoring.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEY = 'co-test-key';

describe('cohere provider through the gateway', () => {
  let cohere: FakeServer;
  let backup: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    cohere = await startFakeCohere({ apiKey: KEY, maxDocuments: 1000 });
    backup = await startFakeCohere({ apiKey: 'backup-key' });
    gw = await startGateway({
      providers: [
        { name: 'cohere', type: 'cohere', api_key: KEY, base_url: cohere.url, max_documents_per_request: 1000, max_retries: 1 },
        { name: 'backup', type: 'cohere', api_key: 'backup-key', base_url: backup.url },
      ],
      models: [{ name: 'search', target: 'cohere/rerank-v3.5', fallbacks: ['backup/rerank-v3.5'] }],
    });
  });
  after(async () => {
    await gw.close();
    await cohere.close();
    await backup.close();
  });

  it('sends documents byte for byte, ASCII and not, JSON escapes included', async () => {
    cohere.requests.length = 0;
    const documents = ['plain ASCII text', 'naïve café — 日本語 😀', 'quote " backslash \\ tab \t newline \n'];
    const res = await gw.post('/v1/rerank', { model: 'cohere/rerank-v3.5', query: 'crème brûlée', documents, cache: false });
    assert.equal(res.status, 200);
    assert.deepEqual(cohere.requests[0].json.documents, documents);
    assert.equal(cohere.requests[0].json.query, 'crème brûlée');
    // An all-ASCII body (the fast path) arrives as the same JSON too.
    cohere.requests.length = 0;
    await gw.post('/v1/rerank', { model: 'cohere/rerank-v3.5', query: 'q', documents: ['a "quoted" line\n'], cache: false });
    assert.deepEqual(cohere.requests[0].json.documents, ['a "quoted" line\n']);
  });

  it('answers the documented example with ids echoed', async () => {
    cohere.requests.length = 0;
    const res = await gw.post('/v1/rerank', {
      model: 'cohere/rerank-v3.5',
      query: 'gateway observability',
      top_n: 2,
      return_documents: true,
      // With the pair cache on, the upstream is asked for every score; off, top_n passes through.
      cache: false,
      documents: [
        { id: 'a', text: 'Rankway exports OpenTelemetry traces.' },
        { id: 'b', text: 'Rankway runs on Kubernetes.' },
        { id: 'c', text: 'Token counting is available.' },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.results.length, 2);
    for (const r of res.json.results) {
      assert.ok(typeof r.relevance_score === 'number');
      assert.equal(typeof r.document.id, 'string');
      assert.equal(typeof r.document.text, 'string');
    }
    assert.ok(res.json.results[0].relevance_score >= res.json.results[1].relevance_score);
    // DeepIntShield's shape: the upstream model id, the name sent kept beside it.
    assert.equal(res.json.model, 'rerank-v3.5');
    assert.equal(res.json.extra_fields.model_requested, 'cohere/rerank-v3.5');
    assert.equal(res.json.extra_fields.chunk_index, 0);
    assert.equal(res.json.extra_fields.provider, 'cohere');
    assert.equal(res.json.extra_fields.model_used, 'cohere/rerank-v3.5');
    assert.equal(res.json.meta.billed_units.search_units, 1);
    assert.equal(res.json.usage.search_units, 1);

    // Cohere v2 takes plain strings: ids stay in the gateway, never in the text.
    const sent = cohere.requests[0];
    assert.equal(sent.path, '/v2/rerank');
    assert.equal(sent.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(sent.json.documents, [
      'Rankway exports OpenTelemetry traces.',
      'Rankway runs on Kubernetes.',
      'Token counting is available.',
    ]);
    assert.equal(sent.json.model, 'rerank-v3.5');
    assert.equal(sent.json.top_n, 2);
  });

  it('2,500 documents on a 1,000-per-call provider make 3 calls equal to one unlimited call', async () => {
    cohere.requests.length = 0;
    const documents = Array.from(
      { length: 2500 },
      (_, i) => `document ${i} about ${i % 7 === 0 ? 'gateway metrics' : 'other things'} ${i % 13}`,
    );
    const query = 'gateway metrics';
    const res = await gw.post('/v1/rerank', { model: 'cohere/rerank-v3.5', query, documents, top_n: 25 });
    assert.equal(res.status, 200);
    assert.equal(cohere.requests.length, 3);
    assert.deepEqual(cohere.requests.map((r) => r.json.documents.length).sort(), [1000, 1000, 500]);
    const expected = rank(query, documents, 25);
    assert.deepEqual(
      res.json.results.map((r: { index: number; relevance_score: number }) => [r.index, r.relevance_score]),
      expected.map((r) => [r.index, r.score]),
    );
    assert.equal(res.json.extra_fields.chunks, 3);
    // One merged answer: DeepIntShield's chunk_index is that message's position, 0.
    assert.equal(res.json.extra_fields.chunk_index, 0);
    assert.equal(res.json.model, 'rerank-v3.5');
    assert.equal(res.json.meta.billed_units.search_units, 10 + 10 + 5);
  });

  it('falls back when the primary answers 503', async () => {
    cohere.handler = (_req, res) => sendJson(res, 503, { message: 'overloaded' });
    backup.requests.length = 0;
    try {
      const res = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a', 'b'] });
      assert.equal(res.status, 200);
      assert.equal(res.json.extra_fields.model_used, 'backup/rerank-v3.5');
      assert.equal(res.json.extra_fields.fallback_index, 1);
      assert.equal(res.json.model, 'rerank-v3.5');
      assert.equal(res.json.extra_fields.model_requested, 'search');
      assert.equal(backup.requests.length, 1);
    } finally {
      const fresh = await startFakeCohere({ apiKey: KEY });
      cohere.handler = fresh.handler;
      await fresh.close();
    }
  });

  it('does not fall back or retry when the primary answers 400', async () => {
    cohere.handler = (_req, res) => sendJson(res, 400, { message: 'invalid request: account 123456789012 says no' });
    cohere.requests.length = 0;
    backup.requests.length = 0;
    try {
      const res = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a', 'b'] });
      assert.equal(res.status, 400);
      assert.equal(res.json.error.code, 'upstream_rejected_request');
      assert.doesNotMatch(JSON.stringify(res.json), /123456789012/);
      assert.equal(cohere.requests.length, 1);
      assert.equal(backup.requests.length, 0);
    } finally {
      const fresh = await startFakeCohere({ apiKey: KEY });
      cohere.handler = fresh.handler;
      await fresh.close();
    }
  });

  it('retries a 429 honouring Retry-After, then succeeds', async () => {
    let calls = 0;
    const fresh = await startFakeCohere({ apiKey: KEY });
    cohere.handler = (req, res) => {
      calls++;
      if (calls === 1) return sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '0' });
      return fresh.handler(req, res);
    };
    try {
      const res = await gw.post('/v1/rerank', { model: 'cohere/rerank-v3.5', query: 'q', documents: ['a', 'b'] });
      assert.equal(res.status, 200);
      assert.equal(calls, 2);
      assert.equal(res.json.extra_fields.attempts, 2);
    } finally {
      cohere.handler = fresh.handler;
      await fresh.close();
    }
  });

  it('a wrong upstream key ends in a gateway error that never echoes the key', async () => {
    const bad = await startGateway({
      providers: [{ name: 'cohere', type: 'cohere', api_key: 'wrong-key-xyz', base_url: cohere.url, max_retries: 0 }],
    });
    try {
      const res = await bad.post('/v1/rerank', { model: 'cohere/rerank-v3.5', query: 'q', documents: ['a'] });
      assert.equal(res.status, 502);
      assert.equal(res.json.error.code, 'upstream_auth_failed');
      assert.equal(res.headers.get('x-should-retry'), 'false');
      assert.doesNotMatch(JSON.stringify(res.json), /wrong-key-xyz/);
    } finally {
      await bad.close();
    }
  });
});
