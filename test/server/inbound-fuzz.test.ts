import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { awsError, startFakeBedrock, type BedrockRoute, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
// mulberry32, seeded: every run draws the same cases, so a failure names the one that reproduces it.
import { seededRandom as prng } from '../../src/eval/stats.js';

/**
 * Hostile inbound traffic across every proxy surface: 5,000 seeded mutations of bodies,
 * paths, query strings, methods and headers (auth, SigV4, content type, request id, model
 * header). Whatever arrives, the gateway answers with a 2xx or a clear 4xx, never a 5xx.
 * The generator is seeded, so a failure names the case that reproduces it.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const CASES = Number(process.env.FUZZ_CASES ?? 5_000);
const KEY = 'rk-fuzz-key';
const ISSUED = { accessKeyId: 'AKIDFUZZCALLER0000', secretAccessKey: 'fuzz-caller-secret-key' };
const UPSTREAM = { accessKeyId: 'AKIDFUZZUPSTREAM00', secretAccessKey: 'fuzz-upstream-secret' };

const DOCS = ['metrics and traces', 'kubernetes operators', 'rotate api keys'];
const CHAT_MESSAGES = [{ role: 'user', content: 'Say hello.' }];

/** A valid request per surface: the starting point of every mutation. */
const SEEDS: ReadonlyArray<{ readonly path: string; readonly body: unknown; readonly headers?: Record<string, string> }> = [
  { path: '/v1/rerank', body: { model: 'local/bm25', query: 'metrics', documents: DOCS, top_n: 2, return_documents: true } },
  { path: '/v2/rerank', body: { model: 'local/bm25', query: 'metrics', documents: DOCS, fallbacks: ['local/bm25'] } },
  {
    path: '/cohere/v1/rerank',
    body: { model: 'local/bm25', query: 'metrics', documents: [{ text: 'a', title: 'x' }, 'b'], rank_fields: ['text', 'title'] },
  },
  { path: '/cohere/v2/rerank', body: { model: 'local/bm25', query: 'metrics', documents: DOCS } },
  { path: '/jina/v1/rerank', body: { model: 'local/bm25', query: 'metrics', documents: DOCS, top_n: 1 } },
  { path: '/voyage/v1/rerank', body: { model: 'local/bm25', query: 'metrics', documents: DOCS, top_k: 2, return_documents: true } },
  { path: '/tei/rerank', body: { query: 'metrics', texts: DOCS, raw_scores: true }, headers: { 'x-rankway-model': 'local/bm25' } },
  {
    path: '/vertex/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:rank',
    body: {
      model: 'local/bm25',
      query: 'metrics',
      records: [
        { id: '1', content: 'metrics' },
        { id: '2', title: 'k8s' },
      ],
    },
  },
  { path: '/rerank', body: nativeRerankBody({ modelArn: 'rerank-native', numberOfResults: 2 }) },
  { path: '/bedrock/rerank', body: nativeRerankBody({ modelArn: 'rerank-native', sources: ['a', { title: 'json' }] }) },
  { path: '/v1/chat/completions', body: { model: 'chat', messages: CHAT_MESSAGES, max_tokens: 20, temperature: 0.5 } },
  { path: '/v1/chat/completions', body: { model: 'chat', messages: CHAT_MESSAGES, stream: true, stream_options: { include_usage: true } } },
  { path: '/v1/completions', body: { model: 'chat', prompt: 'Say hello.', max_tokens: 5 } },
  { path: '/v1/embeddings', body: { model: 'embed', input: ['hello', 'world'], encoding_format: 'base64' } },
  { path: '/model/chat/converse', body: { messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] } },
  { path: '/model/chat/converse-stream', body: { messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] } },
  { path: '/model/amazon.titan-embed-text-v2%3A0/invoke', body: { inputText: 'hello' } },
];

const KEYS = [
  'model',
  'query',
  'documents',
  'texts',
  'records',
  'messages',
  'input',
  'prompt',
  'top_n',
  'topN',
  'fallbacks',
  'extra',
  'extra_body',
  'models',
  'stream',
  'max_tokens',
  'queries',
  'sources',
  'rerankingConfiguration',
  'return_documents',
  '__proto__',
  'constructor',
  '',
];
const STRINGS = [
  'local/bm25',
  'chat',
  'embed',
  'rerank-native',
  'local/',
  '/',
  '',
  ' ',
  '..',
  '%zz',
  'a'.repeat(300),
  '\u0000',
  '\ud800',
  'é ü 🚀',
  'null',
  'arn:aws:bedrock:us-west-2::foundation-model/x',
  'cheap/*',
  '${HOME}',
];
const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 4 || r < 0.2) return pick(rand, STRINGS);
  if (r < 0.3) return Math.floor(rand() * 4000) - 2000;
  if (r < 0.35) return pick(rand, [0, -1, 0.5, 1e308, -0, 2 ** 53 + 2, 1e-300]);
  if (r < 0.4) return rand() < 0.5;
  if (r < 0.45) return null;
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 7) }, () => randomValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 6); i > 0; i--) o[pick(rand, KEYS)] = randomValue(rand, depth + 1);
  return o;
}

/** Replaces, deletes or retypes one value somewhere in a copy of `value`. */
function mutateTree(rand: () => number, value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > 5) return rand() < 0.7 ? randomValue(rand, 3) : value;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  const keys = Object.keys(copy);
  const op = rand();
  if (keys.length === 0 || op < 0.1) {
    copy[Array.isArray(copy) ? copy.length : pick(rand, KEYS)] = randomValue(rand, 2);
  } else {
    const k = pick(rand, keys);
    if (op < 0.3) delete copy[k];
    else copy[k] = mutateTree(rand, copy[k], depth + 1);
  }
  return copy;
}

function mutateBytes(rand: () => number, text: string): string {
  const chars = [...text];
  for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
    const at = Math.floor(rand() * chars.length);
    const op = rand();
    if (op < 0.4) chars[at] = String.fromCharCode(Math.floor(rand() * 256));
    else if (op < 0.7) chars.splice(at, 1 + Math.floor(rand() * 10));
    else chars.splice(at, 0, pick(rand, ['{', '[', '"', '\\', '\\u', '%', '\ud83d']).repeat(1 + Math.floor(rand() * 5)));
  }
  return rand() < 0.2 ? chars.join('').slice(0, Math.floor(rand() * chars.length)) : chars.join('');
}

const PATH_PIECES = [
  '..',
  '.',
  '%2e%2e',
  '%2F',
  '%2f..%2f',
  '%zz',
  '%',
  '%00',
  '%C0%AF',
  '%E2%80%AE',
  '//',
  ';',
  'a'.repeat(500),
  '%252F',
  '~',
  '*',
  ':rank',
  '\u00e9',
];

function mutatePath(rand: () => number, path: string): string {
  const [base, query] = path.split('?');
  const segments = base.split('/');
  const r = rand();
  let out = base;
  if (r < 0.35) {
    const at = 1 + Math.floor(rand() * (segments.length - 1));
    segments[at] = rand() < 0.5 ? pick(rand, PATH_PIECES) : segments[at] + pick(rand, PATH_PIECES);
    out = segments.join('/');
  } else if (r < 0.45) out = base + '/';
  else if (r < 0.5) out = base.toUpperCase();
  else if (r < 0.55) out = base + '/' + pick(rand, PATH_PIECES);
  const q = rand();
  if (q < 0.35) {
    const parts = Array.from(
      { length: 1 + Math.floor(rand() * 3) },
      () =>
        `${pick(rand, ['a', '%zz', '', 'x%', '__proto__', 'constructor', 'a[b]', '%E0%A4%A'])}=${pick(rand, ['1', '%zz', '%', '%00', '', '%C3%28', 'a+b', '=='])}`,
    );
    return `${out}?${parts.join('&')}`;
  }
  return query ? `${out}?${query}` : out;
}

const AMZ_DATE = () => new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
const REQUEST_IDS = ['ok-id-1', 'x'.repeat(129), 'a b', 'semi;colon', '../../etc', '%00', 'ü', ''];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-16',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/vnd.amazon.eventstream',
  'application/*',
  '',
];

/** A request's headers: mostly authenticated, with junk in every field a client controls. */
function headersFor(rand: () => number, seedHeaders: Record<string, string> | undefined): Record<string, string> {
  const h: Record<string, string> = { ...(seedHeaders ?? {}) };
  const auth = rand();
  if (auth < 0.6) h.authorization = `Bearer ${KEY}`;
  else if (auth < 0.65) h['x-api-key'] = KEY;
  else if (auth < 0.7) h.authorization = 'Bearer ' + pick(rand, ['', 'nope', 'a'.repeat(5000), KEY + ' ']);
  else if (auth < 0.8) {
    // SigV4 shaped: right key, wrong or broken signature, odd dates and scopes.
    const sig = rand() < 0.8 ? 'f'.repeat(64) : 'zz';
    const scope = pick(rand, [
      '20261204/us-west-2/bedrock/aws4_request',
      '2026/us-west-2/bedrock/aws4_request',
      '20261204//bedrock/aws4_request',
      '20261204/us-west-2/s3/aws4_request',
    ]);
    const signed = pick(rand, [
      'host;x-amz-date',
      'host',
      'x-amz-date',
      'host;x-amz-date;x-amz-security-token',
      'host;x-amz-content-sha256;x-amz-date',
    ]);
    h.authorization = `AWS4-HMAC-SHA256 Credential=${pick(rand, [ISSUED.accessKeyId, 'AKIDUNKNOWN0000000'])}/${scope}, SignedHeaders=${signed}, Signature=${sig}`;
    h['x-amz-date'] = pick(rand, [AMZ_DATE(), '20260101T000000Z', 'yesterday', '99999999T999999Z', '']);
    if (rand() < 0.3) h['x-amz-content-sha256'] = pick(rand, ['UNSIGNED-PAYLOAD', '0'.repeat(64), 'x']);
    if (rand() < 0.2) h['x-amz-security-token'] = 'token';
  } else if (auth < 0.85) h.authorization = 'Basic ' + Buffer.from('a:b').toString('base64');
  if (rand() < 0.8) h['content-type'] = rand() < 0.75 ? 'application/json' : pick(rand, CONTENT_TYPES);
  if (rand() < 0.25) h['x-request-id'] = pick(rand, REQUEST_IDS);
  if (rand() < 0.1) h['x-rankway-model'] = pick(rand, STRINGS.filter(isPrintableAscii));
  if (rand() < 0.1) h['cache-control'] = pick(rand, ['no-cache', 'no-store', 'max-age=-1', '']);
  if (rand() < 0.05) h['content-encoding'] = pick(rand, ['gzip', 'br', 'identity', 'x']);
  if (rand() < 0.05) h.accept = pick(rand, ['text/event-stream', 'application/vnd.amazon.eventstream', '*/*', 'nonsense']);
  if (rand() < 0.05) h.traceparent = pick(rand, ['00-xyz', '00-' + '0'.repeat(32) + '-' + '0'.repeat(16) + '-01', '']);
  if (rand() < 0.05) h['x-amzn-bedrock-guardrailidentifier'] = pick(rand, ['g', '', '..']);
  return h;
}

describe('inbound fuzz across every proxy surface', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    // Unknown model ids get what Bedrock answers for them: 400 ValidationException (unknown operations get the fake's 404).
    const unknownModel: BedrockRoute = {
      method: 'POST',
      pattern: /^\/model\/[^/]+\/(?:converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$/,
      handle: (_req, res) => awsError(res, 400, 'ValidationException', 'The provided model identifier is invalid.'),
    };
    // The passthrough forwards bodies unread, so broken ones reach the fake; Bedrock refuses
    // those with a ValidationException, where the fake's handlers would just throw.
    const validating = bedrockChatRoutes().map(
      (r): BedrockRoute => ({
        ...r,
        async handle(req, res, match) {
          try {
            await r.handle(req, res, match);
          } catch {
            if (!res.headersSent)
              awsError(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
            else res.destroy();
          }
        },
      }),
    );
    // Rerank with a model that is not a reranker: Bedrock's answer is a ValidationException.
    const notAReranker: BedrockRoute = {
      method: 'POST',
      pattern: /^\/rerank$/,
      handle(req, res, match) {
        const arn = String(req.json?.rerankingConfiguration?.bedrockRerankingConfiguration?.modelConfiguration?.modelArn ?? '');
        if (/rerank/.test(arn)) return bedrockRerankRoutes('us-west-2')[0].handle(req, res, match);
        awsError(res, 400, 'ValidationException', 'The provided model ARN for reranking is invalid.');
      },
    };
    bedrock = await startFakeBedrock({
      region: 'us-west-2',
      credentials: [UPSTREAM],
      routes: [...validating, notAReranker, ...bedrockRerankRoutes('us-west-2'), unknownModel],
    });
    gw = await startGateway({
      server: {
        auth: 'keys',
        max_documents: 50,
        body_limit_bytes: 64 * 1024,
        keys: [{ name: 'fuzz', key_sha256: sha256Hex(KEY) }],
        aws_access_keys: [{ name: 'fuzz-signer', access_key_id: ISSUED.accessKeyId, secret_access_key: ISSUED.secretAccessKey }],
      },
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: UPSTREAM.accessKeyId,
          secret_access_key: UPSTREAM.secretAccessKey,
          runtime_endpoint: bedrock.url,
          agent_runtime_endpoint: bedrock.url,
          max_retries: 0,
        },
      ],
      models: [
        { name: 'chat', target: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0' },
        { name: 'embed', target: 'bedrock/amazon.titan-embed-text-v2:0' },
        { name: 'rerank-native', target: 'local/bm25', arns: ['rerank-native'] },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  it(`${CASES} mutated bodies, paths and headers never get a 5xx (seed ${SEED})`, async () => {
    const rand = prng(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < CASES; i++) {
      const seed = pick(rand, SEEDS);
      const kind = rand();
      let payload: string;
      if (kind < 0.15) payload = JSON.stringify(seed.body);
      else if (kind < 0.6) payload = JSON.stringify(mutateTree(rand, seed.body)) ?? '';
      else if (kind < 0.85) payload = mutateBytes(rand, JSON.stringify(seed.body));
      else payload = JSON.stringify(randomValue(rand, 0)) ?? '';
      const url = rand() < 0.6 ? mutatePath(rand, seed.path) : seed.path;
      const method = rand() < 0.93 ? 'POST' : pick(rand, ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
      const headers = headersFor(rand, seed.headers);
      const label = `case #${i}: ${method} ${url.slice(0, 200)} ${JSON.stringify(headers).slice(0, 300)} ${payload.slice(0, 300)}`;
      let res: LightMyRequestResponse;
      try {
        res = await gw.gateway.proxy.inject({
          method: method as 'POST',
          url,
          headers,
          payload: method === 'GET' || method === 'HEAD' ? undefined : payload,
        });
      } catch (err) {
        assert.fail(`${label} -> inject threw ${String(err)}`);
      }
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      assert.ok(res.statusCode < 500, `${label} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (res.statusCode >= 400 && method !== 'HEAD') {
        const id = res.headers['x-request-id'];
        assert.ok(
          typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id),
          `${label}: unsafe request id echoed: ${String(id).slice(0, 50)}`,
        );
        assert.ok(res.body.length > 0, `${label}: an error without a body`);
      }
    }
    // The generator must reach success paths and the validators on many surfaces, or it tests little.
    const summary = JSON.stringify([...statuses].sort((a, b) => a[0] - b[0]));
    assert.ok((statuses.get(200) ?? 0) > CASES / 20, `too few successes: ${summary}`);
    assert.ok((statuses.get(400) ?? 0) > CASES / 5, `too few rejections: ${summary}`);
    assert.ok((statuses.get(401) ?? 0) + (statuses.get(403) ?? 0) > CASES / 20, `too few auth refusals: ${summary}`);
  });
});

/** Only printable ASCII code units: what a header value can carry as-is. */
function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c >= 0x80) return false;
  }
  return true;
}
