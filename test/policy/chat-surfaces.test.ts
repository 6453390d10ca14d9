import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient } from '../helpers/admin.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-chat-surfaces';
const AWS = { accessKeyId: 'AKIDCHATPOLICY', secretAccessKey: 'chat-policy-secret' };
const MESSAGES = [{ role: 'user', content: 'Say hello.' }];
const CONVERSE = { messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }] };

interface Surface {
  readonly name: string;
  /** The model the key may use and one it may not. */
  readonly models: readonly [allowed: string, denied: string];
  path(model: string): string;
  body(model: string): unknown;
  /** Native Bedrock answers in the AWS shape: every auth failure is a 403 AccessDeniedException. */
  readonly aws?: boolean;
}

const CHAT = ['cheap-chat', 'other-chat'] as const;
const SURFACES: Surface[] = [
  { name: 'chat completions', models: CHAT, path: () => '/v1/chat/completions', body: (model) => ({ model, messages: MESSAGES }) },
  {
    name: 'chat completions (stream)',
    models: CHAT,
    path: () => '/v1/chat/completions',
    body: (model) => ({ model, messages: MESSAGES, stream: true }),
  },
  { name: 'completions', models: CHAT, path: () => '/v1/completions', body: (model) => ({ model, prompt: 'Say hello.' }) },
  {
    name: 'embeddings',
    models: ['cheap-embed', 'other-embed'],
    path: () => '/v1/embeddings',
    body: (model) => ({ model, input: ['hello', 'world'] }),
  },
  { name: 'native converse', models: CHAT, path: (model) => `/model/${model}/converse`, body: () => CONVERSE, aws: true },
  { name: 'native converse-stream', models: CHAT, path: (model) => `/model/${model}/converse-stream`, body: () => CONVERSE, aws: true },
];

/** The caller policy of the rerank surfaces (every-surface.test.ts), on chat, completions, embeddings and native Bedrock. */
describe('the same caller policy on the chat, embeddings and native Bedrock surfaces', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [AWS], routes: bedrockChatRoutes() });
    gw = await startGateway(
      {
        server: { auth: 'keys' },
        providers: [
          {
            name: 'bedrock',
            type: 'bedrock',
            region: 'us-west-2',
            access_key_id: AWS.accessKeyId,
            secret_access_key: AWS.secretAccessKey,
            runtime_endpoint: bedrock.url,
          },
        ],
        models: [
          { name: 'cheap-chat', target: 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0' },
          { name: 'other-chat', target: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0' },
          { name: 'cheap-embed', target: 'bedrock/amazon.titan-embed-text-v2:0' },
          { name: 'other-embed', target: 'bedrock/cohere.embed-english-v3' },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    const admin = adminClient(gw.adminUrl, ADMIN_KEY);
    for (const s of SURFACES) {
      const res = await admin.call('POST', '/admin/v1/apikeys', {
        key_hash: sha256Hex(`key-${s.name}`),
        allowed_models: ['cheap-*'],
        rpm: 2,
      });
      assert.equal(res.status, 201);
    }
    const lister = await admin.call('POST', '/admin/v1/apikeys', {
      key_hash: sha256Hex('key-lister'),
      allowed_models: ['cheap-chat', 'bedrock/amazon.titan-embed-text-v2:0'],
    });
    assert.equal(lister.status, 201);
    assert.equal(
      (await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex('key-local'), allowed_models: ['local/*'] })).status,
      201,
    );
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  for (const s of SURFACES) {
    it(`${s.name}: 401 without or with an unknown key, 403 for another model, 429 past rpm`, async () => {
      const [allowed, denied] = s.models;
      const call = (model: string, key?: string) => gw.post(s.path(model), s.body(model), key ? { authorization: `Bearer ${key}` } : {});
      const refused = (res: { status: number; headers: Headers; json: any }, status: number, code: string, awsName: string): void => {
        if (s.aws) {
          assert.equal(res.status, status === 429 ? 429 : 403, JSON.stringify(res.json));
          assert.equal(res.headers.get('x-amzn-errortype'), awsName);
          assert.equal(typeof res.json.message, 'string');
        } else {
          assert.equal(res.status, status, JSON.stringify(res.json));
          assert.equal(res.json.error.code, code);
        }
      };
      refused(await call(allowed), 401, 'missing_api_key', 'AccessDeniedException');
      refused(await call(allowed, 'sk-nobody-knows-this'), 401, 'invalid_api_key', 'AccessDeniedException');

      const key = `key-${s.name}`;
      const ok = await call(allowed, key);
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(ok.headers.get('x-ratelimit-remaining-requests'), '1');
      refused(await call(denied, key), 403, 'model_not_allowed', 'AccessDeniedException');
      const limited = await call(allowed, key);
      refused(limited, 429, 'rate_limit_exceeded', 'ThrottlingException');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    });
  }

  it('refuses a model the key may not use before saying what that model can do', async () => {
    const chat = (model: string, key = 'key-lister') =>
      gw.post('/v1/chat/completions', { model, messages: MESSAGES }, { authorization: `Bearer ${key}` });
    const foreign = await chat('local/bm25');
    assert.equal(foreign.status, 403, 'not 400 "local does not support chat": the key may not use local/bm25 at all');
    assert.equal(foreign.json.error.code, 'model_not_allowed');
    const allowedButNoChat = await chat('local/bm25', 'key-local');
    assert.equal(allowedButNoChat.status, 400);
    assert.equal(allowedButNoChat.json.error.code, 'capability_not_supported');
  });

  it('/v1/models lists only the models the key may use, by alias or by target', async () => {
    const list = async (key?: string) => {
      const res = await fetch(`${gw.url}/v1/models`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      return { status: res.status, json: (await res.json()) as any };
    };
    assert.equal((await list()).status, 401);
    const mine = await list('key-lister');
    assert.equal(mine.status, 200);
    assert.deepEqual(mine.json.data.map((m: any) => m.id).sort(), ['cheap-chat', 'cheap-embed']);
  });
});
