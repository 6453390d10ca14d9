import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendJson, type FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere, startFakeVllm } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEY = 'co-key';
const LONG = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');

describe('max_tokens_per_doc', () => {
  let cohere: FakeServer;
  let vllm: FakeServer;
  let gw: RunningGateway;
  before(async () => {
    cohere = await startFakeCohere({ apiKey: KEY });
    vllm = await startFakeVllm();
    gw = await startGateway({
      providers: [
        { name: 'cohere', type: 'cohere', api_key: KEY, base_url: cohere.url },
        { name: 'azure', type: 'cohere', api_key: KEY, base_url: cohere.url, api_version: 'v1' },
        { name: 'vllm', type: 'vllm', base_url: vllm.url },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await cohere.close();
    await vllm.close();
  });

  it('is passed through to Cohere v2, which truncates natively', async () => {
    cohere.requests.length = 0;
    const res = await gw.post('/v1/rerank', {
      cache: false,
      model: 'cohere/rerank-v3.5',
      query: 'word1',
      documents: [LONG, 'short'],
      max_tokens_per_doc: 10,
    });
    assert.equal(res.status, 200);
    assert.equal(cohere.requests[0].json.max_tokens_per_doc, 10);
    assert.equal(cohere.requests[0].json.documents[0], LONG, 'full text goes upstream');
  });

  for (const model of ['vllm/BAAI/bge-reranker-v2-m3', 'azure/rerank-v3.5']) {
    it(`is applied by Rankway (about 4 characters a token) for ${model.split('/')[0]}`, async () => {
      const fake = model.startsWith('vllm') ? vllm : cohere;
      fake.requests.length = 0;
      const res = await gw.post('/v1/rerank', {
        cache: false,
        model,
        query: 'word1',
        documents: [LONG, 'short'],
        max_tokens_per_doc: 10,
        return_documents: true,
      });
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const sent: string = fake.requests[0].json.documents[0];
      assert.ok(sent.length <= 40 && sent.length >= 30, `sent ${sent.length} characters`);
      assert.ok(LONG.startsWith(sent), 'truncation keeps the start of the document');
      assert.equal(fake.requests[0].json.max_tokens_per_doc, undefined);
      assert.equal(fake.requests[0].json.documents[1], 'short');
      // What callers get back is their own document, not the truncated copy.
      const echoed = res.json.results.find((r: { index: number }) => r.index === 0);
      assert.equal(echoed.document.text, LONG);
    });
  }
});

describe('retries, deadlines and fallbacks', () => {
  let primary: FakeServer;
  let viaRequest: FakeServer;
  let viaAlias: FakeServer;
  let gw: RunningGateway;
  const healthy = async (): Promise<FakeServer['handler']> => {
    const f = await startFakeCohere({ apiKey: KEY });
    await f.close();
    return f.handler;
  };

  before(async () => {
    primary = await startFakeCohere({ apiKey: KEY });
    viaRequest = await startFakeCohere({ apiKey: KEY });
    viaAlias = await startFakeCohere({ apiKey: KEY });
    gw = await startGateway({
      server: { request_timeout_ms: 1500 },
      providers: [
        { name: 'primary', type: 'cohere', api_key: KEY, base_url: primary.url, max_retries: 2 },
        { name: 'slowpoke', type: 'cohere', api_key: KEY, base_url: primary.url, max_retries: 10, timeout_ms: 30_000 },
        { name: 'req', type: 'cohere', api_key: KEY, base_url: viaRequest.url },
        { name: 'alias', type: 'cohere', api_key: KEY, base_url: viaAlias.url },
      ],
      models: [{ name: 'search', target: 'primary/rerank-v3.5', fallbacks: ['alias/rerank-v3.5'] }],
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([primary.close(), viaRequest.close(), viaAlias.close()]);
  });

  it('waits as long as Retry-After says before retrying a 429', async () => {
    const ok = await healthy();
    const seen: number[] = [];
    primary.handler = (req, res) => {
      seen.push(Date.now());
      if (seen.length === 1) return sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '1' });
      return ok(req, res);
    };
    const res = await gw.post('/v1/rerank', { cache: false, model: 'primary/rerank-v3.5', query: 'q', documents: ['a', 'b'] });
    assert.equal(res.status, 200);
    assert.equal(seen.length, 2);
    assert.ok(seen[1] - seen[0] >= 950, `retried after ${seen[1] - seen[0]} ms, Retry-After said 1 s`);
    assert.equal(res.json.extra_fields.attempts, 2);
    primary.handler = ok;
  });

  it('a 429 whose Retry-After lies past the deadline is returned at once with Retry-After', async () => {
    const ok = await healthy();
    primary.requests.length = 0;
    primary.handler = (_req, res) => sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '30' });
    const started = Date.now();
    const res = await gw.post('/v1/rerank', { cache: false, model: 'primary/rerank-v3.5', query: 'q', documents: ['a'] });
    assert.ok(Date.now() - started < 1000);
    assert.equal(res.status, 429);
    assert.equal(res.json.error.code, 'upstream_rate_limited');
    assert.equal(res.headers.get('retry-after'), '30');
    assert.equal(primary.requests.length, 1);
    primary.handler = ok;
  });

  it('the request deadline (server.request_timeout_ms) bounds retries of a failing upstream', async () => {
    const ok = await healthy();
    primary.requests.length = 0;
    primary.handler = (_req, res) => sendJson(res, 503, { message: 'overloaded' }, { 'retry-after': '0.4' });
    const started = Date.now();
    const res = await gw.post('/v1/rerank', { cache: false, model: 'slowpoke/rerank-v3.5', query: 'q', documents: ['a'] });
    const elapsed = Date.now() - started;
    assert.ok(res.status === 502 || res.status === 504, `status ${res.status}`);
    assert.ok(elapsed < 4000, `took ${elapsed} ms with a 1500 ms deadline`);
    assert.ok(primary.requests.length >= 2 && primary.requests.length <= 5, `${primary.requests.length} attempts, max_retries is 10`);
    primary.handler = ok;
  });

  it('the request deadline cuts an upstream that never answers', async () => {
    const ok = await healthy();
    primary.handler = () => {}; // accepts the request and never answers
    const started = Date.now();
    const res = await gw.post('/v1/rerank', { cache: false, model: 'slowpoke/rerank-v3.5', query: 'q', documents: ['a'] });
    const elapsed = Date.now() - started;
    assert.equal(res.status, 504);
    assert.equal(res.json.error.code, 'upstream_timeout');
    assert.ok(elapsed >= 1300 && elapsed < 4000, `took ${elapsed} ms with a 1500 ms deadline and a 30 s attempt timeout`);
    primary.handler = ok;
  });

  it("tries the request's fallbacks before the alias's", async () => {
    const ok = await healthy();
    primary.handler = (_req, res) => sendJson(res, 503, { message: 'down' }, { 'retry-after': '0' });
    viaRequest.requests.length = 0;
    viaAlias.requests.length = 0;
    const res = await gw.post('/v1/rerank', {
      cache: false,
      model: 'search',
      query: 'q',
      documents: ['a', 'b'],
      fallbacks: ['req/rerank-v3.5'],
    });
    assert.equal(res.status, 200);
    assert.equal(res.json.extra_fields.model_used, 'req/rerank-v3.5');
    assert.equal(res.json.extra_fields.fallback_index, 1);
    assert.equal(viaRequest.requests.length, 1);
    assert.equal(viaAlias.requests.length, 0);

    viaRequest.handler = (_req, r) => sendJson(r, 500, { message: 'also down' });
    const next = await gw.post('/v1/rerank', {
      cache: false,
      model: 'search',
      query: 'q',
      documents: ['a', 'b'],
      fallbacks: ['req/rerank-v3.5'],
    });
    assert.equal(next.status, 200);
    assert.equal(next.json.extra_fields.model_used, 'alias/rerank-v3.5');
    assert.equal(next.json.extra_fields.fallback_index, 2);
    primary.handler = ok;
    viaRequest.handler = ok;
  });
});

describe('documents, rank_fields and base URLs', () => {
  let cohere: FakeServer;
  let gw: RunningGateway;
  before(async () => {
    cohere = await startFakeCohere({ apiKey: KEY });
    gw = await startGateway({
      providers: [
        { name: 'cohere', type: 'cohere', api_key: KEY, base_url: cohere.url },
        { name: 'heroku', type: 'cohere', api_key: KEY, base_url: `${cohere.url}/inference/` },
        { name: 'azure', type: 'cohere', api_key: KEY, base_url: `${cohere.url}/models`, api_version: 'v1' },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });

  it('rank_fields builds the ranked text from object documents, in the order named', async () => {
    cohere.requests.length = 0;
    const documents = [
      { title: 'Pasta', body: 'How to cook pasta.', url: 'https://a' },
      { title: 'Key rotation', body: 'Rotate API keys from the admin API.', url: 'https://b' },
    ];
    const res = await gw.post('/v1/rerank', {
      cache: false,
      model: 'cohere/rerank-v3.5',
      query: 'rotate api keys',
      documents,
      rank_fields: ['title', 'body'],
      return_documents: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(cohere.requests[0].json.documents, [
      'title: Pasta\nbody: How to cook pasta.',
      'title: Key rotation\nbody: Rotate API keys from the admin API.',
    ]);
    assert.equal(res.json.results[0].index, 1);
    assert.equal(res.json.results[0].document.url, 'https://b');
    assert.equal(res.json.results[0].document.title, 'Key rotation');

    cohere.requests.length = 0;
    const single = await gw.post('/v1/rerank', {
      cache: false,
      model: 'cohere/rerank-v3.5',
      query: 'rotate api keys',
      documents,
      rank_fields: ['body'],
    });
    assert.equal(single.status, 200);
    assert.deepEqual(cohere.requests[0].json.documents, ['How to cook pasta.', 'Rotate API keys from the admin API.']);
  });

  it('v1 object documents come back with their extra keys when return_documents is true', async () => {
    const documents = [
      { id: 'x1', text: 'Metrics are exported.', url: 'https://docs/metrics', lang: 'en', meta: { year: 2024 } },
      { id: 'x2', text: 'Rotate API keys from the admin API.', url: 'https://docs/keys', lang: 'en' },
    ];
    const res = await gw.post('/v1/rerank', {
      cache: false,
      model: 'cohere/rerank-v3.5',
      query: 'rotate api keys',
      documents,
      return_documents: true,
    });
    assert.equal(res.status, 200);
    const byIndex = new Map(res.json.results.map((r: { index: number; document: unknown }) => [r.index, r.document]));
    assert.deepEqual(byIndex.get(0), documents[0]);
    assert.deepEqual(byIndex.get(1), documents[1]);
  });

  it('a Heroku-style base_url keeps its path prefix', async () => {
    cohere.requests.length = 0;
    const res = await gw.post('/v1/rerank', { cache: false, model: 'heroku/cohere-rerank-3-5', query: 'q', documents: ['a', 'b'] });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(cohere.requests[0].path, '/inference/v2/rerank');
    assert.equal(cohere.requests[0].headers.authorization, `Bearer ${KEY}`);
    assert.equal(cohere.requests[0].json.model, 'cohere-rerank-3-5');
  });

  it('api_version: v1 (Cohere on Azure) speaks the v1 API under the endpoint path', async () => {
    cohere.requests.length = 0;
    const res = await gw.post('/v1/rerank', {
      cache: false,
      model: 'azure/rerank-v3.5',
      query: 'rotate keys',
      documents: [{ id: 'a', text: 'rotate keys' }, 'other'],
      top_n: 1,
      return_documents: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const sent = cohere.requests[0];
    assert.equal(sent.path, '/models/v1/rerank');
    assert.deepEqual(sent.json, {
      model: 'rerank-v3.5',
      query: 'rotate keys',
      documents: ['rotate keys', 'other'],
      top_n: 1,
      return_documents: false,
    });
    assert.deepEqual(res.json.results[0].document, { id: 'a', text: 'rotate keys' });
  });
});
