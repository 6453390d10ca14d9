import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import {
  startFakeCohere,
  startFakeCompatible,
  startFakeJina,
  startFakeTei,
  startFakeVllm,
  startFakeVoyage,
} from '../helpers/fakes/rerank-fakes.js';
import { makeServiceAccount, startFakeGoogle } from '../helpers/fakes/vertex-fake.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

/**
 * The rerank contract: what every provider must give callers, checked through real HTTP
 * (gateway -> fake upstream speaking the provider's wire format). Each provider is
 * configured twice: once with room for every document in one call, once with a small
 * per-call limit so the same request is chunked and merged. Requests opt out of the pair
 * cache, so every check is answered by the provider itself.
 */
/** A fake upstream and how many ranking calls it answered (token or STS calls not counted). */
interface Upstream {
  readonly url: string;
  calls(): number;
  close(): Promise<void>;
}

const plain = async (fake: Promise<FakeServer>): Promise<Upstream> => {
  const f = await fake;
  return { url: f.url, calls: () => f.requests.length, close: () => f.close() };
};

const AWS_KEYS = { accessKeyId: 'AKIDCONTRACT', secretAccessKey: 'contract-secret' };

/** A fake Bedrock (agent runtime and runtime on one port) that checks every SigV4 signature. */
async function bedrockUpstream(): Promise<Upstream> {
  const f = await startFakeBedrock({ region: 'us-west-2', credentials: [AWS_KEYS], routes: bedrockRerankRoutes('us-west-2') });
  return { url: f.url, calls: () => f.requests.length, close: () => f.close() };
}

/** A fake Google: the token endpoint checks the service account's JWT, rank calls need its token. */
let vertexAccount: ReturnType<typeof makeServiceAccount> | undefined;
async function vertexUpstream(): Promise<Upstream> {
  const google = await startFakeGoogle();
  vertexAccount = makeServiceAccount(`${google.server.url}/token`);
  google.trust(vertexAccount.key.client_email, vertexAccount.publicKeyPem);
  return { url: google.server.url, calls: () => google.rankCalls.length, close: () => google.server.close() };
}

interface Subject {
  readonly name: string;
  readonly model: string;
  readonly start?: () => Promise<Upstream>;
  readonly provider?: (url: string) => Record<string, unknown>;
  /** Why chunked and unchunked answers may legitimately differ, if they may. */
  readonly chunkSkip?: string;
}

const KEY = 'contract-key';
const SUBJECTS: Subject[] = [
  {
    name: 'cohere',
    model: 'rerank-v3.5',
    start: () => plain(startFakeCohere({ apiKey: KEY })),
    provider: (url) => ({ type: 'cohere', api_key: KEY, base_url: url }),
  },
  {
    name: 'cohere-v1',
    model: 'rerank-v3.5',
    start: () => plain(startFakeCohere({ apiKey: KEY })),
    provider: (url) => ({ type: 'cohere', api_key: KEY, base_url: url, api_version: 'v1' }),
  },
  {
    name: 'vllm',
    model: 'BAAI/bge-reranker-v2-m3',
    start: () => plain(startFakeVllm({ apiKey: KEY, servedModel: 'BAAI/bge-reranker-v2-m3' })),
    provider: (url) => ({ type: 'vllm', api_key: KEY, base_url: url }),
  },
  {
    name: 'tei',
    model: 'bge-reranker-base',
    start: () => plain(startFakeTei({ apiKey: KEY, maxDocuments: 512 })),
    provider: (url) => ({ type: 'tei', api_key: KEY, base_url: url, max_documents_per_request: 512 }),
  },
  {
    name: 'jina',
    model: 'jina-reranker-v2-base-multilingual',
    start: () => plain(startFakeJina({ apiKey: KEY })),
    provider: (url) => ({ type: 'jina', api_key: KEY, base_url: url }),
  },
  {
    name: 'voyage',
    model: 'rerank-2.5',
    start: () => plain(startFakeVoyage({ apiKey: KEY })),
    provider: (url) => ({ type: 'voyage', api_key: KEY, base_url: url }),
  },
  {
    name: 'compatible',
    model: 'mixedbread-ai/mxbai-rerank-large-v2',
    start: () => plain(startFakeCompatible({ apiKey: KEY })),
    provider: (url) => ({ type: 'openai-compatible', api_key: KEY, base_url: url }),
  },
  {
    name: 'bedrock',
    model: 'cohere.rerank-v3-5:0',
    start: bedrockUpstream,
    provider: (url) => ({
      type: 'bedrock',
      region: 'us-west-2',
      access_key_id: AWS_KEYS.accessKeyId,
      secret_access_key: AWS_KEYS.secretAccessKey,
      runtime_endpoint: url,
      agent_runtime_endpoint: url,
    }),
  },
  {
    name: 'bedrock-amazon',
    model: 'amazon.rerank-v1:0',
    start: bedrockUpstream,
    provider: (url) => ({
      type: 'bedrock',
      region: 'us-west-2',
      access_key_id: AWS_KEYS.accessKeyId,
      secret_access_key: AWS_KEYS.secretAccessKey,
      runtime_endpoint: url,
      agent_runtime_endpoint: url,
    }),
  },
  {
    name: 'vertex',
    model: 'semantic-ranker-default@latest',
    start: vertexUpstream,
    provider: (url) => ({
      type: 'vertex',
      project: 'contract-project',
      base_url: url,
      credentials_json: JSON.stringify(vertexAccount!.key),
    }),
  },
  {
    name: 'local',
    model: 'bm25',
    chunkSkip: 'BM25 is listwise: IDF comes from the documents in the call, so local is never chunked (its per-call limit is unlimited)',
  },
];

const CHUNK = 4;
const QUERY = 'rotate api keys gateway';
// Duplicates make ties, so ordering by index on equal scores is exercised too.
const TEXTS = [
  'Rotate API keys from the admin API of the gateway.',
  'The gateway exports Prometheus metrics.',
  'Keys are stored as sha256 hashes.',
  'Rotate API keys from the admin API of the gateway.',
  'Unrelated text about cooking pasta.',
  'API keys can be rotated without downtime.',
  'The admin API lists every key and its allowed models.',
  'Gateway latency is reported per request.',
  'Unrelated text about cooking pasta.',
  'Rotating keys regularly limits the damage of a leak.',
  'Chunking splits large requests.',
];
const OBJECTS = TEXTS.map((text, i) => ({ id: `doc-${i}`, text, meta: { position: i, source: 'contract' } }));

interface Result {
  index: number;
  relevance_score: number;
  document?: { text: string; id?: string; meta?: Record<string, unknown> };
}

function checkRanking(results: Result[], documentCount: number): void {
  const seen = new Set<number>();
  for (const r of results) {
    assert.ok(Number.isInteger(r.index) && r.index >= 0 && r.index < documentCount, `index ${r.index} out of range`);
    assert.ok(!seen.has(r.index), `index ${r.index} repeated`);
    seen.add(r.index);
    assert.ok(Number.isFinite(r.relevance_score), `score ${r.relevance_score} not finite`);
  }
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1];
    const b = results[i];
    assert.ok(
      a.relevance_score > b.relevance_score || (a.relevance_score === b.relevance_score && a.index < b.index),
      `results ${i - 1} and ${i} out of order: ${JSON.stringify([a, b])}`,
    );
  }
}

describe('rerank contract (every provider, through HTTP)', () => {
  const fakes = new Map<string, Upstream>();
  let gw: RunningGateway;

  before(async () => {
    const providers: Record<string, unknown>[] = [];
    for (const s of SUBJECTS) {
      if (!s.start || !s.provider) continue;
      const fake = await s.start();
      fakes.set(s.name, fake);
      providers.push({ name: s.name, ...s.provider(fake.url) });
      providers.push({ name: `${s.name}-chunked`, ...s.provider(fake.url), max_documents_per_request: CHUNK });
    }
    gw = await startGateway({ providers });
  });
  after(async () => {
    await gw.close();
    await Promise.all([...fakes.values()].map((f) => f.close()));
  });

  for (const s of SUBJECTS) {
    const model = `${s.name}/${s.model}`;
    describe(s.name, () => {
      it('ranks every document: indices in range and unique, finite scores, descending, ties by index', async () => {
        const before = fakes.get(s.name)?.calls() ?? 0;
        const res = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.equal(res.json.results.length, TEXTS.length);
        checkRanking(res.json.results, TEXTS.length);
        assert.equal(res.json.extra_fields.provider, s.name);
        assert.equal(res.json.extra_fields.model_used, model);
        const dup = res.json.results.filter((r: Result) => r.index === 4 || r.index === 8);
        assert.equal(dup[0].relevance_score, dup[1].relevance_score, 'identical documents score the same');
        if (fakes.has(s.name)) assert.equal(fakes.get(s.name)!.calls(), before + 1, 'one upstream call');
      });

      it('honours top_n: the first n of the full ranking', async () => {
        const full = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS });
        const top = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS, top_n: 3 });
        assert.equal(top.status, 200);
        assert.equal(top.json.results.length, 3);
        assert.deepEqual(top.json.results, full.json.results.slice(0, 3));
        const more = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS.slice(0, 2), top_n: 10 });
        assert.equal(more.json.results.length, 2, 'top_n above the document count returns every document');
      });

      it('return_documents back-fills {text, id, meta} from the request', async () => {
        const res = await gw.post('/v1/rerank', {
          cache: false,
          model,
          query: QUERY,
          documents: OBJECTS,
          return_documents: true,
          top_n: 5,
        });
        assert.equal(res.status, 200);
        assert.equal(res.json.results.length, 5);
        for (const r of res.json.results as Result[]) assert.deepEqual(r.document, OBJECTS[r.index]);
        const plain = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS, top_n: 2 });
        for (const r of plain.json.results as Result[]) assert.equal(r.document, undefined, 'no document unless asked');
      });

      it('reports non-negative usage that adds up', async () => {
        const res = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS });
        const u = res.json.usage;
        for (const k of ['prompt_tokens', 'completion_tokens', 'total_tokens'])
          assert.ok(Number.isFinite(u[k]) && u[k] >= 0, `${k}=${u[k]}`);
        assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
        assert.ok(res.json.meta.billed_units.search_units >= 0);
      });

      it('chunked across the per-call limit equals one unlimited call', { skip: s.chunkSkip }, async () => {
        const fake = fakes.get(s.name)!;
        const whole = await gw.post('/v1/rerank', { cache: false, model, query: QUERY, documents: TEXTS, top_n: 7 });
        const start = fake.calls();
        const chunked = await gw.post('/v1/rerank', {
          cache: false,
          model: `${s.name}-chunked/${s.model}`,
          query: QUERY,
          documents: TEXTS,
          top_n: 7,
        });
        assert.equal(chunked.status, 200, JSON.stringify(chunked.json));
        assert.equal(fake.calls() - start, Math.ceil(TEXTS.length / CHUNK));
        assert.equal(chunked.json.extra_fields.chunks, Math.ceil(TEXTS.length / CHUNK));
        assert.deepEqual(chunked.json.results, whole.json.results);
      });
    });
  }
});
