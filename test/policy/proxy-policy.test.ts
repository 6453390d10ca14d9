import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-policy';
const SURFACES = ['/v1/rerank', '/v2/rerank'] as const;
// The pair cache is off: cached scores cost nothing, and these tests count spend.
const body = (model: string) => ({ model, query: 'rotate keys', documents: ['rotate api keys', 'metrics'], cache: false });

describe('caller policy on the proxy surfaces', () => {
  let cohere: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  /** Creates an API key for `plaintext` with the given policy fields. */
  async function key(plaintext: string, fields: Record<string, unknown>): Promise<string> {
    const res = await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(plaintext), ...fields });
    assert.equal(res.status, 201, res.text);
    return res.json.id;
  }

  before(async () => {
    cohere = await startFakeCohere({ apiKey: 'co-key' });
    gw = await startGateway(
      {
        server: { auth: 'keys', keys: [{ name: 'file-key', key_sha256: sha256Hex('file-key'), allowed_models: ['local/*'] }] },
        providers: [{ name: 'cohere', type: 'cohere', api_key: 'co-key', base_url: cohere.url }],
        models: [
          { name: 'search', target: 'cohere/rerank-v3.5' },
          { name: 'cheap', target: 'local/bm25' },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });

  it('401 for a missing, unknown, disabled or expired key, on every surface', async () => {
    await key('disabled-key', { disabled: true });
    await key('expired-key', { expires_at: '2020-01-01T00:00:00Z' });
    for (const path of SURFACES) {
      const cases: [Record<string, string>, string][] = [
        [{}, 'missing_api_key'],
        [bearer('who-is-this'), 'invalid_api_key'],
        [{ 'x-api-key': 'who-is-this' }, 'invalid_api_key'],
        [bearer('disabled-key'), 'api_key_disabled'],
        [bearer('expired-key'), 'api_key_expired'],
      ];
      for (const [headers, code] of cases) {
        const res = await gw.post(path, body('cheap'), headers);
        assert.equal(res.status, 401, `${path} ${code}`);
        assert.equal(res.json.error.code, code);
        assert.equal(res.json.error.type, 'authentication_error');
      }
      const ok = await gw.post(path, body('local/bm25'), { 'x-api-key': 'file-key' });
      assert.equal(ok.status, 200, 'x-api-key works too');
    }
  });

  it('403 for a model the key may not use, checked on the alias and the resolved target', async () => {
    await key('alias-only', { allowed_models: ['search'] });
    await key('target-glob', { allowed_models: ['cohere/*'] });
    await key('nothing', { allowed_models: [] });
    for (const path of SURFACES) {
      assert.equal((await gw.post(path, body('search'), bearer('alias-only'))).status, 200);
      const denied = await gw.post(path, body('cohere/rerank-v3.5'), bearer('alias-only'));
      assert.equal(denied.status, 403);
      assert.equal(denied.json.error.code, 'model_not_allowed');
      assert.equal(denied.json.error.type, 'permission_error');
      assert.equal((await gw.post(path, body('search'), bearer('target-glob'))).status, 200, 'alias resolving to an allowed target');
      assert.equal((await gw.post(path, body('cheap'), bearer('target-glob'))).status, 403);
      assert.equal((await gw.post(path, body('local/bm25'), bearer('nothing'))).status, 403, 'an empty list allows nothing');
      assert.equal((await gw.post(path, body('search'), bearer('file-key'))).status, 403, 'config keys keep their allow-list');
    }
  });

  it('429 with Retry-After and x-ratelimit headers once rpm is used, shared by both surfaces', async () => {
    await key('three-rpm', { rpm: 3 });
    const first = await gw.post('/v1/rerank', body('cheap'), bearer('three-rpm'));
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '2');
    assert.equal((await gw.post('/v2/rerank', body('cheap'), bearer('three-rpm'))).status, 200);
    const third = await gw.post('/v1/rerank', body('cheap'), bearer('three-rpm'));
    assert.equal(third.headers.get('x-ratelimit-remaining-requests'), '0');
    for (const path of SURFACES) {
      const limited = await gw.post(path, body('cheap'), bearer('three-rpm'));
      assert.equal(limited.status, 429);
      assert.equal(limited.json.error.code, 'rate_limit_exceeded');
      assert.equal(limited.json.error.type, 'rate_limit_error');
      const retryAfter = Number(limited.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
      assert.equal(limited.headers.get('x-ratelimit-remaining-requests'), '0');
    }
  });

  it('429 once the requests per day are used', async () => {
    await key('two-rpd', { rpd: 2 });
    assert.equal((await gw.post('/v1/rerank', body('cheap'), bearer('two-rpd'))).status, 200);
    assert.equal((await gw.post('/v2/rerank', body('cheap'), bearer('two-rpd'))).status, 200);
    const limited = await gw.post('/v1/rerank', body('cheap'), bearer('two-rpd'));
    assert.equal(limited.status, 429);
    assert.match(limited.json.error.message, /2 requests per day/);
  });

  it('refuses with budget_exceeded once the next request no longer fits the budget', async () => {
    // Cohere Rerank 3.5 is $2 per 1,000 search units: each call here costs $0.002, reserved before it is sent.
    await key('tiny-budget', { budget: { usd: 0.004, period: 'day' } });
    for (const path of SURFACES) {
      const ok = await gw.post(path, body('search'), bearer('tiny-budget'));
      assert.equal(ok.status, 200, `${path}: $0.002 more still fits $0.004`);
    }
    for (const path of SURFACES) {
      const spent = await gw.post(path, body('search'), bearer('tiny-budget'));
      assert.equal(spent.status, 429);
      assert.equal(spent.json.error.code, 'budget_exceeded');
      assert.equal(spent.json.error.type, 'insufficient_quota');
      assert.match(spent.json.error.message, /budget of \$0.004 for this day/);
      assert.ok(Number(spent.headers.get('retry-after')) >= 1);
    }
  });

  it('keeps budgets across a restart: spend is read back from the usage table', async () => {
    await gw.gateway.usage.flush();
    // A second gateway on the same data directory stands in for the restarted process.
    const again = await startGateway(
      {
        server: { auth: 'keys' },
        providers: [{ name: 'cohere', type: 'cohere', api_key: 'co-key', base_url: cohere.url }],
        models: [{ name: 'search', target: 'cohere/rerank-v3.5' }],
        storage: { data_dir: gw.dataDir },
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    try {
      const spent = await again.post('/v1/rerank', body('search'), bearer('tiny-budget'));
      assert.equal(spent.status, 429);
      assert.equal(spent.json.error.code, 'budget_exceeded');
    } finally {
      await again.gateway.close();
    }
  });
  it('with auth: none, unknown keys are anonymous but known keys keep their policy', async () => {
    const open = await startGateway({}, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    try {
      const openAdmin = adminClient(open.adminUrl, ADMIN_KEY);
      for (const [plain, fields] of [
        ['restricted', { allowed_models: [] }],
        ['off', { disabled: true }],
      ] as const) {
        assert.equal((await openAdmin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(plain), ...fields })).status, 201);
      }
      assert.equal((await open.post('/v1/rerank', body('local/bm25'))).status, 200, 'no key');
      assert.equal((await open.post('/v1/rerank', body('local/bm25'), bearer('any-sdk-placeholder'))).status, 200, 'unknown key');
      assert.equal((await open.post('/v1/rerank', body('local/bm25'), bearer('restricted'))).status, 403);
      assert.equal((await open.post('/v2/rerank', body('local/bm25'), bearer('off'))).status, 401);
    } finally {
      await open.close();
    }
  });
});
