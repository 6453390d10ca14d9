import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient } from '../helpers/admin.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-surfaces';
const DOCS = ['rotate api keys', 'metrics'];

/** Each surface's request for `model`, in its own wire format. */
const SURFACES: {
  name: string;
  path: string;
  body(model: string): unknown;
  headers?(model: string): Record<string, string>;
  authStatus?: number;
}[] = [
  { name: 'unified v1', path: '/v1/rerank', body: (model) => ({ model, query: 'rotate', documents: DOCS }) },
  { name: 'Cohere v2', path: '/v2/rerank', body: (model) => ({ model, query: 'rotate', documents: DOCS }) },
  { name: 'Cohere dialect', path: '/cohere/v2/rerank', body: (model) => ({ model, query: 'rotate', documents: DOCS }) },
  { name: 'Jina dialect', path: '/jina/v1/rerank', body: (model) => ({ model, query: 'rotate', documents: DOCS }) },
  { name: 'Voyage dialect', path: '/voyage/v1/rerank', body: (model) => ({ model, query: 'rotate', documents: DOCS }) },
  {
    name: 'TEI dialect',
    path: '/tei/rerank',
    body: () => ({ query: 'rotate', texts: DOCS }),
    headers: (model) => ({ 'x-rankway-model': model }),
  },
  {
    name: 'Vertex dialect',
    path: '/vertex/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:rank',
    body: (model) => ({ model, query: 'rotate', records: DOCS.map((content, i) => ({ id: String(i), content })) }),
  },
  // Native Bedrock answers auth failures as AccessDeniedException (403), as AWS does.
  {
    name: 'Bedrock native',
    path: '/rerank',
    body: (model) => nativeRerankBody({ modelArn: model === 'cheap' ? 'cheap-arn' : 'other-arn' }),
    authStatus: 403,
  },
];

describe('the same caller policy on every surface', () => {
  let gw: RunningGateway;

  before(async () => {
    gw = await startGateway(
      {
        server: { auth: 'keys' },
        models: [
          { name: 'cheap', target: 'local/bm25', arns: ['cheap-arn'], cache: 'off' },
          { name: 'other', target: 'local/bm25', arns: ['other-arn'], cache: 'off' },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    const admin = adminClient(gw.adminUrl, ADMIN_KEY);
    for (const s of SURFACES) {
      const res = await admin.call('POST', '/admin/v1/apikeys', {
        key_hash: sha256Hex(`key-${s.name}`),
        allowed_models: ['cheap'],
        rpm: 2,
      });
      assert.equal(res.status, 201);
    }
  });
  after(() => gw.close());

  for (const s of SURFACES) {
    it(`${s.name}: 401 without a key, 403 for another model, 429 past rpm`, async () => {
      const call = (model: string, key?: string) =>
        gw.post(s.path, s.body(model), { ...(s.headers?.(model) ?? {}), ...(key ? { authorization: `Bearer ${key}` } : {}) });
      assert.equal((await call('cheap')).status, s.authStatus ?? 401);
      const key = `key-${s.name}`;
      const ok = await call('cheap', key);
      assert.equal(ok.status, 200, JSON.stringify(ok.json));
      assert.equal(ok.headers.get('x-ratelimit-remaining-requests'), '1');
      assert.equal((await call('other', key)).status, 403);
      const limited = await call('cheap', key);
      assert.equal(limited.status, 429, 'the 403 above counted as the second request of the minute');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    });
  }
});
