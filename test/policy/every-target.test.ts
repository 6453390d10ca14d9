import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { awsError, startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

/**
 * "A key allowed only `cheap/*` can never get an answer from any other model, by any field,
 * on any surface." Two Bedrock accounts: `cheap` fails every call (so any fallback would be
 * taken) and `other` answers everything. Each surface is asked to reach `other` by the fields
 * it has (fallbacks, ARNs in the body, model ids in the path, headers, extras); every attempt
 * must be refused before `other` sees a single request.
 */
const CHEAP_AWS = { accessKeyId: 'AKIDCHEAPACCOUNT', secretAccessKey: 'cheap-account-secret' };
const OTHER_AWS = { accessKeyId: 'AKIDOTHERACCOUNT', secretAccessKey: 'other-account-secret' };
const KEY = 'rk-only-cheap';
const auth = { authorization: `Bearer ${KEY}` };

const RERANK = 'cohere.rerank-v3-5:0';
const CHAT = 'anthropic.claude-3-haiku-20240307-v1:0';
const EMBED = 'amazon.titan-embed-text-v2:0';
const DOCS = ['rotate api keys', 'metrics and traces'];
const MESSAGES = [{ role: 'user', content: 'Say hello.' }];
const CONVERSE = { messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] };
const otherArn = (model: string) => `arn:aws:bedrock:us-east-1::foundation-model/${model}`;

/** A surface that takes caller fallbacks, with a body naming `model` and `fallbacks`. */
interface FallbackSurface {
  readonly name: string;
  readonly path: string;
  readonly model: string;
  body(model: string, fallbacks: readonly string[]): unknown;
}

const rerankBody = (model: string, fallbacks: readonly string[]) => ({ model, query: 'rotate', documents: DOCS, fallbacks, cache: false });
const FALLBACK_SURFACES: FallbackSurface[] = [
  { name: 'unified /v1/rerank', path: '/v1/rerank', model: RERANK, body: rerankBody },
  { name: 'Cohere /v2/rerank', path: '/v2/rerank', model: RERANK, body: rerankBody },
  { name: 'Cohere dialect v1', path: '/cohere/v1/rerank', model: RERANK, body: rerankBody },
  { name: 'Cohere dialect v2', path: '/cohere/v2/rerank', model: RERANK, body: rerankBody },
  { name: 'Jina dialect', path: '/jina/v1/rerank', model: RERANK, body: rerankBody },
  {
    name: 'Voyage dialect',
    path: '/voyage/v1/rerank',
    model: RERANK,
    body: (model, fallbacks) => ({ model, query: 'rotate', documents: DOCS, fallbacks, cache: false }),
  },
  {
    name: 'chat completions',
    path: '/v1/chat/completions',
    model: CHAT,
    body: (model, fallbacks) => ({ model, messages: MESSAGES, fallbacks }),
  },
  {
    name: 'chat completions (stream)',
    path: '/v1/chat/completions',
    model: CHAT,
    body: (model, fallbacks) => ({ model, messages: MESSAGES, fallbacks, stream: true }),
  },
  { name: 'completions', path: '/v1/completions', model: CHAT, body: (model, fallbacks) => ({ model, prompt: 'Say hello.', fallbacks }) },
  { name: 'embeddings', path: '/v1/embeddings', model: EMBED, body: (model, fallbacks) => ({ model, input: ['hello'], fallbacks }) },
];

/** The error code and message of any envelope: OpenAI `{error}`, Cohere `{message}`, Jina/Voyage `{detail}`, TEI `{error}`, Google `{error: {message}}`. */
function messageOf(json: any): string {
  if (typeof json?.error === 'string') return json.error;
  return String(json?.error?.message ?? json?.message ?? json?.detail ?? JSON.stringify(json));
}

describe('allow-lists over every target, on every surface', () => {
  let cheap: FakeBedrock;
  let other: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    cheap = await startFakeBedrock({
      region: 'us-west-2',
      credentials: [CHEAP_AWS],
      routes: [
        { method: 'POST', pattern: /.*/, handle: (_req, res) => awsError(res, 503, 'ServiceUnavailableException', 'cheap is down') },
      ],
    });
    other = await startFakeBedrock({
      region: 'us-east-1',
      credentials: [OTHER_AWS],
      routes: [...bedrockChatRoutes(), ...bedrockRerankRoutes('us-east-1')],
    });
    const bedrock = (name: string, region: string, creds: typeof CHEAP_AWS, url: string) => ({
      name,
      type: 'bedrock',
      region,
      access_key_id: creds.accessKeyId,
      secret_access_key: creds.secretAccessKey,
      runtime_endpoint: url,
      agent_runtime_endpoint: url,
      max_retries: 0,
    });
    gw = await startGateway({
      server: { auth: 'keys', keys: [{ name: 'cheap-only', key_sha256: sha256Hex(KEY), allowed_models: ['cheap/*'] }] },
      providers: [bedrock('cheap', 'us-west-2', CHEAP_AWS, cheap.url), bedrock('other', 'us-east-1', OTHER_AWS, other.url)],
      models: [
        // The operator's aliases: their fallbacks are the operator's choice and stay allowed.
        { name: 'cheap/team-rerank', target: `cheap/${RERANK}`, fallbacks: [`other/${RERANK}`], cache: 'off' },
        { name: 'cheap/team-chat', target: `cheap/${CHAT}`, fallbacks: [`other/${CHAT}`] },
        { name: 'cheap/team-embed', target: `cheap/${EMBED}`, fallbacks: [`other/${EMBED}`] },
      ],
      dialects: { tei: { model: `cheap/${RERANK}` } },
    });
  });
  after(async () => {
    await gw.close();
    await cheap.close();
    await other.close();
  });

  /** Runs `call` and checks that `other` received nothing while it ran. */
  async function reachesNothing<T>(call: () => Promise<T>): Promise<T> {
    const before = other.requests.length;
    const res = await call();
    assert.equal(other.requests.length, before, 'the other account was called');
    return res;
  }

  for (const s of FALLBACK_SURFACES) {
    it(`${s.name}: a caller fallback outside the allow-list is a 403 naming it, and nothing is sent to it`, async () => {
      const denied = `other/${s.model}`;
      const res = await reachesNothing(() => gw.post(s.path, s.body(`cheap/${s.model}`, [`cheap/${s.model}`, denied]), auth));
      assert.equal(res.status, 403, JSON.stringify(res.json));
      assert.match(messageOf(res.json), new RegExp(`may not use model '${denied.replace(/[.]/g, '\\.')}'`));
      if (res.json?.error?.code) assert.equal(res.json.error.code, 'model_not_allowed');
      // A model that does not exist does not open the way either (the issue's glob case).
      const ghost = await reachesNothing(() => gw.post(s.path, s.body('cheap/no-such-model', [denied]), auth));
      assert.equal(ghost.status, 403, JSON.stringify(ghost.json));
    });

    it(`${s.name}: more than 5 caller fallbacks is a 400 before any upstream call`, async () => {
      const calls = cheap.requests.length + other.requests.length;
      const six = Array.from({ length: 6 }, (_, i) => `cheap/model-${i}`);
      const res = await gw.post(s.path, s.body(`cheap/${s.model}`, six), auth);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.match(messageOf(res.json), /fallbacks has 6 items; the maximum is 5/);
      if (res.json?.error?.code) assert.equal(res.json.error.code, 'too_many_fallbacks');
      const many = await gw.post(
        s.path,
        s.body(
          `cheap/${s.model}`,
          Array.from({ length: 5_000 }, () => `cheap/${s.model}`),
        ),
        auth,
      );
      assert.equal(many.status, 400);
      assert.equal(cheap.requests.length + other.requests.length, calls, 'no upstream call for a refused request');
    });
  }

  it("fallbacks the operator configured on an alias stay the operator's choice", async () => {
    const before = other.requests.length;
    const rerank = await gw.post('/v1/rerank', { model: 'cheap/team-rerank', query: 'rotate', documents: DOCS }, auth);
    assert.equal(rerank.status, 200, JSON.stringify(rerank.json));
    const chat = await gw.post('/v1/chat/completions', { model: 'cheap/team-chat', messages: MESSAGES }, auth);
    assert.equal(chat.status, 200, JSON.stringify(chat.json));
    const embed = await gw.post('/v1/embeddings', { model: 'cheap/team-embed', input: ['hello'] }, auth);
    assert.equal(embed.status, 200, JSON.stringify(embed.json));
    assert.equal(other.requests.length, before + 3, 'each alias fell back to the other account');
  });

  it('TEI dialect: a model header outside the allow-list is a 403 and never sent', async () => {
    const res = await reachesNothing(() =>
      gw.post('/tei/rerank', { query: 'rotate', texts: DOCS }, { ...auth, 'x-rankway-model': `other/${RERANK}` }),
    );
    assert.equal(res.status, 403, JSON.stringify(res.json));
    assert.match(messageOf(res.json), /may not use model 'other\//);
  });

  it('Vertex dialect: a body model outside the allow-list is a 403 and never sent', async () => {
    const body = { model: `other/${RERANK}`, query: 'rotate', records: DOCS.map((content, i) => ({ id: String(i), content })) };
    const res = await reachesNothing(() =>
      gw.post('/vertex/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:rank', body, auth),
    );
    assert.equal(res.status, 403, JSON.stringify(res.json));
    assert.equal(res.json.error.status, 'PERMISSION_DENIED');
  });

  it("native Bedrock rerank: a model ARN of another account's region is a 403 AccessDeniedException", async () => {
    for (const path of ['/rerank', '/bedrock/rerank']) {
      const res = await reachesNothing(() => gw.post(path, nativeRerankBody({ modelArn: otherArn(RERANK) }), auth));
      assert.equal(res.status, 403, JSON.stringify(res.json));
      assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      assert.match(res.json.message, /may not use model 'other\/arn:aws:bedrock:us-east-1::foundation-model\/cohere\.rerank-v3-5:0'/);
    }
  });

  it('native Bedrock runtime: a model ARN in the path of another account is a 403 AccessDeniedException', async () => {
    for (const action of ['converse', 'converse-stream', 'invoke']) {
      const res = await reachesNothing(() => gw.post(`/model/${encodeURIComponent(otherArn(CHAT))}/${action}`, CONVERSE, auth));
      assert.equal(res.status, 403, `${action}: ${JSON.stringify(res.json)}`);
      assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      assert.match(res.json.message, /may not use model 'arn:aws:bedrock:us-east-1::foundation-model\/anthropic/);
    }
  });

  it('pass-through fields that name a model are refused on every surface that has them', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['/v1/rerank', { ...rerankBody(`cheap/${RERANK}`, []), extra: { modelArn: otherArn(RERANK) } }, /extra\.modelArn is not accepted/],
      ['/v1/chat/completions', { model: `cheap/${CHAT}`, messages: MESSAGES, models: [`other/${CHAT}`] }, /models is not accepted/],
      [
        '/v1/chat/completions',
        { model: `cheap/${CHAT}`, messages: MESSAGES, extra_body: { fallbacks: [`other/${CHAT}`] } },
        /fallbacks is not accepted/,
      ],
      ['/v1/completions', { model: `cheap/${CHAT}`, prompt: 'hi', extra_body: { model: `other/${CHAT}` } }, /model is not accepted/],
    ];
    for (const [path, body, message] of cases) {
      const res = await reachesNothing(() => gw.post(path, body, auth));
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.json)}`);
      assert.match(messageOf(res.json), message);
    }
    const native = await reachesNothing(() =>
      gw.post('/rerank', nativeRerankBody({ modelArn: RERANK, extra: { modelArn: otherArn(RERANK) } }), auth),
    );
    assert.equal(native.status, 400, JSON.stringify(native.json));
    assert.equal(native.headers.get('x-amzn-errortype'), 'ValidationException');
  });
});
