import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeVoyage } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const docs = (from: number, to: number) =>
  Array.from(
    { length: to - from },
    (_, i) => `note ${from + i} about ${(from + i) % 3 === 0 ? 'cache hits' : 'other topics'} ${(from + i) % 7}`,
  );
const sentDocuments = (fake: FakeServer) => fake.requests.flatMap((r) => r.json.documents as string[]);

describe('pair-level score cache (in-process)', () => {
  let voyage: FakeServer;
  let gw: RunningGateway;
  let reference: RunningGateway;

  before(async () => {
    voyage = await startFakeVoyage({ apiKey: 'vk', maxDocuments: 30 });
    const providers = [{ name: 'voyage', type: 'voyage', api_key: 'vk', base_url: voyage.url, max_documents_per_request: 30 }];
    gw = await startGateway({
      providers,
      models: [
        { name: 'search', target: 'voyage/rerank-2.5' },
        { name: 'uncached', target: 'voyage/rerank-2.5', cache: 'off' },
      ],
    });
    reference = await startGateway({ providers });
  });
  after(async () => {
    await gw.close();
    await reference.close();
    await voyage.close();
  });

  it('a second request with 80% overlap sends only the new 20% and matches an uncached call', async () => {
    const query = 'cache hits';
    const first = docs(0, 100);
    voyage.requests.length = 0;
    const r1 = await gw.post('/v1/rerank', { model: 'search', query, documents: first, top_n: 10 });
    assert.equal(r1.status, 200);
    assert.deepEqual(r1.json.extra_fields.cache, { hits: 0, misses: 100 });
    // With the cache on, every score is asked for so each can be stored.
    assert.ok(voyage.requests.every((r) => r.json.top_k === r.json.documents.length));

    const second = [...docs(20, 100), ...docs(100, 120)]; // 80 seen, 20 new
    voyage.requests.length = 0;
    const r2 = await gw.post('/v1/rerank', { model: 'search', query, documents: second, top_n: 10 });
    assert.equal(r2.status, 200);
    assert.deepEqual(sentDocuments(voyage).sort(), docs(100, 120).sort());
    assert.deepEqual(r2.json.extra_fields.cache, { hits: 80, misses: 20 });
    assert.equal(r2.headers.get('x-rankway-cache'), 'hits=80, misses=20');
    // Usage counts only what went upstream (the fake bills 11 tokens per document).
    assert.equal(r2.json.usage.total_tokens, 20 * 11);

    const fresh = await reference.post('/v1/rerank', { model: 'voyage/rerank-2.5', query, documents: second, top_n: 10, cache: false });
    assert.deepEqual(r2.json.results, fresh.json.results);
  });

  it('a request whose every pair is cached never touches the upstream', async () => {
    const documents = docs(200, 240);
    await gw.post('/v1/rerank', { model: 'search', query: 'all cached', documents });
    voyage.requests.length = 0;
    const res = await gw.post('/v1/rerank', { model: 'search', query: 'all cached', documents: [...documents].reverse(), top_n: 5 });
    assert.equal(res.status, 200);
    assert.equal(voyage.requests.length, 0);
    assert.deepEqual(res.json.extra_fields.cache, { hits: 40, misses: 0 });
    assert.equal(res.json.usage.total_tokens, 0);
    assert.equal(res.json.results.length, 5);
    assert.equal(res.json.extra_fields.chunks, 0);
  });

  it('"cache": false, cache-control: no-cache and cache: off all bypass it', async () => {
    const documents = docs(300, 310);
    await gw.post('/v1/rerank', { model: 'search', query: 'bypass', documents });
    for (const [body, headers] of [
      [{ model: 'search', cache: false }, {}],
      [{ model: 'search' }, { 'cache-control': 'no-cache' }],
      [{ model: 'uncached' }, {}],
    ] as const) {
      voyage.requests.length = 0;
      const res = await gw.post('/v1/rerank', { ...body, query: 'bypass', documents, top_n: 3 }, headers);
      assert.equal(res.status, 200);
      assert.equal(sentDocuments(voyage).length, 10);
      assert.equal(res.json.extra_fields.cache, undefined);
      // Without the cache, top_n goes upstream as usual.
      assert.equal(voyage.requests[0].json.top_k, 3);
    }
  });

  it('the listwise local/bm25 reranker is never cached', async () => {
    const body = { model: 'local/bm25', query: 'cache hits', documents: docs(0, 5) };
    await gw.post('/v1/rerank', body);
    const res = await gw.post('/v1/rerank', body);
    assert.equal(res.status, 200);
    assert.equal(res.json.extra_fields.cache, undefined);
  });

  it('max_tokens_per_doc is part of the key', async () => {
    const documents = docs(400, 404);
    await gw.post('/v1/rerank', { model: 'search', query: 'tokens', documents });
    voyage.requests.length = 0;
    const res = await gw.post('/v1/rerank', { model: 'search', query: 'tokens', documents, max_tokens_per_doc: 2 });
    assert.deepEqual(res.json.extra_fields.cache, { hits: 0, misses: 4 });
    assert.equal(voyage.requests.length, 1);
  });
});
