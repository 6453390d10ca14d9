import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeTei, startFakeVllm } from '../helpers/fakes/rerank-fakes.js';
import { rank } from '../helpers/fakes/scoring.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const MODEL = 'BAAI/bge-reranker-v2-m3';

describe('vllm: /v1/rerank falls back to /rerank and remembers it per provider', () => {
  const fakes: Record<string, FakeServer> = {};
  let modern: FakeServer;
  let gw: RunningGateway;
  const statuses = [404, 405, 501] as const;

  before(async () => {
    for (const s of statuses) fakes[s] = await startFakeVllm({ legacyOnly: true, notServedStatus: s, servedModel: MODEL });
    modern = await startFakeVllm({ servedModel: MODEL });
    gw = await startGateway({
      providers: [
        ...statuses.map((s) => ({ name: `old${s}`, type: 'vllm', base_url: fakes[s].url })),
        { name: 'new', type: 'vllm', base_url: modern.url },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([...Object.values(fakes), modern].map((f) => f.close()));
  });

  for (const status of statuses) {
    it(`on ${status}: retries on /rerank, then goes straight there`, async () => {
      const fake = fakes[status];
      const body = { cache: false, model: `old${status}/${MODEL}`, query: 'rotate keys', documents: ['rotate the keys', 'metrics'] };
      const first = await gw.post('/v1/rerank', body);
      assert.equal(first.status, 200, JSON.stringify(first.json));
      assert.deepEqual(
        fake.requests.map((r) => r.path),
        ['/v1/rerank', '/rerank'],
      );
      assert.deepEqual(fake.requests[1].json, fake.requests[0].json, 'the same request is sent again');
      assert.equal(first.json.results[0].index, 0);

      const second = await gw.post('/v1/rerank', body);
      assert.equal(second.status, 200);
      assert.deepEqual(
        fake.requests.map((r) => r.path),
        ['/v1/rerank', '/rerank', '/rerank'],
      );
      assert.deepEqual(second.json.results, first.json.results);
    });
  }

  it('a provider whose /v1/rerank works keeps using it (the memory is per provider)', async () => {
    const res = await gw.post('/v1/rerank', { cache: false, model: `new/${MODEL}`, query: 'q', documents: ['a', 'b'] });
    assert.equal(res.status, 200);
    assert.deepEqual(
      modern.requests.map((r) => r.path),
      ['/v1/rerank'],
    );
  });

  it('an unknown model (404 on both paths) is a clear model error, not a crash', async () => {
    const res = await gw.post('/v1/rerank', { cache: false, model: 'new/other-model', query: 'q', documents: ['a'] });
    assert.equal(res.status, 502);
    assert.equal(res.json.error.code, 'upstream_model_access');
  });
});

describe('tei: 32 documents per call', () => {
  let tei: FakeServer;
  let gw: RunningGateway;
  before(async () => {
    tei = await startFakeTei({ apiKey: 'tei-key' });
    gw = await startGateway({ providers: [{ name: 'tei', type: 'tei', base_url: tei.url, api_key: 'tei-key' }] });
  });
  after(async () => {
    await gw.close();
    await tei.close();
  });

  it('100 documents make 4 calls (32+32+32+4) merged equal to one unlimited call', async () => {
    const query = 'kubernetes gateway metrics';
    const documents = Array.from(
      { length: 100 },
      (_, i) => `doc ${i} ${['kubernetes', 'gateway', 'metrics', 'pasta', 'weather'][i % 5]} ${i % 3 ? 'gateway' : 'other'}`,
    );
    const res = await gw.post('/v1/rerank', { cache: false, model: 'tei/bge-reranker-base', query, documents, top_n: 15 });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(
      tei.requests.map((r) => r.json.texts.length),
      [32, 32, 32, 4],
    );
    assert.equal(res.json.extra_fields.chunks, 4);
    const expected = rank(query, documents).slice(0, 15);
    assert.deepEqual(
      res.json.results.map((r: { index: number; relevance_score: number }) => [r.index, r.relevance_score]),
      expected.map((r) => [r.index, r.score]),
    );
    // x-compute-tokens of every chunk (10 per text in the fake) are summed.
    assert.equal(res.json.usage.prompt_tokens, 1000);
  });
});
