import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../../src/auth/inbound/authenticator.js';
import type { FakeServer } from '../../helpers/fake-server.js';
import { startFakeCohere } from '../../helpers/fakes/rerank-fakes.js';
import { adminClient, type AdminClient } from '../../helpers/admin.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-test-key';
const SECRET = 'co-secret-never-shown-123';
const FILE_KEY = 'file-caller-key';
const asFileKey = { authorization: `Bearer ${FILE_KEY}` };

describe('admin API', () => {
  let cohere: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  /** Every admin response body seen, to check no secret ever appears in one. */
  const seen: string[] = [];
  const call: AdminClient['call'] = async (...args) => {
    const res = await admin.call(...args);
    seen.push(res.text);
    return res;
  };

  before(async () => {
    cohere = await startFakeCohere({ apiKey: SECRET });
    gw = await startGateway(
      {
        server: { auth: 'keys', keys: [{ name: 'from-file', key_sha256: sha256Hex(FILE_KEY) }] },
        models: [{ name: 'file-bm25', target: 'local/bm25' }],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });

  it('requires the admin key, answering in the error envelope', async () => {
    const missing = await admin.call('GET', '/admin/v1/models', undefined, null);
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'missing_api_key');
    assert.equal(missing.json.error.type, 'authentication_error');
    const wrong = await admin.call('GET', '/admin/v1/models', undefined, 'not-the-key');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'invalid_api_key');
    const callerKey = await admin.call('POST', '/admin/v1/apikeys', {}, FILE_KEY);
    assert.equal(callerKey.status, 403, 'a caller key is not an admin key');
    assert.equal(callerKey.json.error.code, 'permission_denied');
    const health = await fetch(`${gw.adminUrl}/healthz`);
    assert.equal(health.status, 200, 'health stays open');
  });

  let providerKeyId: string;
  it('creates a provider key whose secret is encrypted at rest and never returned', async () => {
    const res = await call('POST', '/admin/v1/provider_keys', {
      display_name: 'cohere-prod',
      provider: 'cohere',
      adapter: 'cohere',
      secret: JSON.stringify({ api_key: SECRET }),
      api_base: cohere.url,
    });
    assert.equal(res.status, 201, res.text);
    providerKeyId = res.json.id;
    assert.match(providerKeyId, /^pk_/);
    assert.deepEqual(res.json.secret_fields, ['api_key']);
    assert.equal(res.json.source, 'database');
    assert.equal(res.json.api_base, cohere.url);

    const one = await call('GET', `/admin/v1/provider_keys/${providerKeyId}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.display_name, 'cohere-prod');
    const list = await call('GET', '/admin/v1/provider_keys');
    assert.deepEqual(
      list.json.data.map((p: any) => [p.display_name, p.source]),
      [
        ['local', 'file'],
        ['cohere-prod', 'database'],
      ],
    );
    // The usage journal's directory included.
    for (const file of readdirSync(gw.dataDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      statSync(join(gw.dataDir, f)).isFile(),
    )) {
      assert.ok(!readFileSync(join(gw.dataDir, file)).includes(SECRET), `${file} holds the secret in plaintext`);
    }
  });

  it('rejects bad provider keys with a 400 naming the field', async () => {
    const base = { display_name: 'x1', provider: 'cohere', adapter: 'cohere', secret: '{"api_key":"k"}' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, adapter: 'nope' }, 'adapter'],
      [{ ...base, secret: 'not json' }, 'secret'],
      [{ ...base, secret: '{"api_key": 5}' }, 'secret'],
      [{ ...base, display_name: 'has space' }, 'display_name'],
      [{ ...base, api_base: 'not a url' }, 'api_base'],
      [{ provider: 'cohere', adapter: 'cohere', secret: '{}' }, 'display_name'],
    ];
    for (const [body, param] of cases) {
      const res = await call('POST', '/admin/v1/provider_keys', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(res.json.error.param, param, res.text);
      assert.equal(res.json.error.type, 'invalid_request_error');
    }
    const dup = await call('POST', '/admin/v1/provider_keys', { ...base, display_name: 'cohere-prod' });
    assert.equal(dup.status, 409);
    const clash = await call('POST', '/admin/v1/provider_keys', { ...base, display_name: 'local' });
    assert.equal(clash.status, 409, 'a name taken by the config file');
    const notJson = await fetch(`${gw.adminUrl}/admin/v1/provider_keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{oops',
    });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as any).error.code, 'invalid_json');
  });

  let modelId: string;
  it('creates a model alias that serves traffic with the stored credentials at once', async () => {
    const res = await call('POST', '/admin/v1/models', {
      display_name: 'search',
      provider: 'cohere',
      model_name: 'rerank-v3.5',
      provider_key_id: providerKeyId,
      fallbacks: ['local/bm25'],
    });
    assert.equal(res.status, 201, res.text);
    modelId = res.json.id;
    assert.equal(res.json.display_name, 'search');
    assert.deepEqual(res.json.fallbacks, ['local/bm25']);

    cohere.requests.length = 0;
    const proxied = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a q', 'b'], cache: false }, asFileKey);
    assert.equal(proxied.status, 200, JSON.stringify(proxied.json));
    assert.equal(proxied.json.extra_fields.provider, 'cohere-prod');
    assert.equal(cohere.requests[0].headers.authorization, `Bearer ${SECRET}`);

    const list = await call('GET', '/admin/v1/models');
    assert.deepEqual(
      list.json.data.map((m: any) => [m.display_name, m.source]),
      [
        ['file-bm25', 'file'],
        ['search', 'database'],
      ],
    );
  });

  it('rejects bad models', async () => {
    const base = { display_name: 'm2', provider: 'cohere', model_name: 'rerank-v3.5', provider_key_id: providerKeyId };
    const cases: [Record<string, unknown>, number, string | null][] = [
      [{ ...base, provider_key_id: 'pk_missing' }, 400, 'provider_key_id'],
      [{ ...base, provider: 'voyage' }, 400, 'provider'],
      [{ ...base, fallbacks: ['nowhere'] }, 400, 'fallbacks.0'],
      [{ ...base, price: { per_1k_search_units: -1 } }, 400, 'price.per_1k_search_units'],
      [{ ...base, provider_key_id: 'file:local', provider: 'local', model_name: 'nope' }, 400, 'model_name'],
      [{ ...base, display_name: 'search' }, 409, 'display_name'],
      [{ ...base, display_name: 'file-bm25' }, 409, 'display_name'],
    ];
    for (const [body, status, param] of cases) {
      const res = await call('POST', '/admin/v1/models', body);
      assert.equal(res.status, status, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(res.json.error.param, param, res.text);
    }
    const inUse = await call('DELETE', `/admin/v1/provider_keys/${providerKeyId}`);
    assert.equal(inUse.status, 409, 'a provider key used by a model stays');
  });

  it('sets a model\'s pair cache: "off" sends every request upstream, "pairs" (the default) reuses scores', async () => {
    const created = await call('POST', '/admin/v1/models', {
      display_name: 'listwise',
      provider: 'cohere',
      model_name: 'rerank-v3.5',
      provider_key_id: providerKeyId,
      cache: 'off',
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.cache, 'off');
    assert.equal((await call('GET', `/admin/v1/models/${created.json.id}`)).json.cache, 'off');
    const body = { model: 'listwise', query: 'cache q', documents: ['cache a', 'cache b'] };
    cohere.requests.length = 0;
    for (let i = 0; i < 2; i++) assert.equal((await gw.post('/v1/rerank', body, asFileKey)).status, 200);
    assert.equal(cohere.requests.length, 2, 'no score reused with cache off');

    const patched = await call('PATCH', `/admin/v1/models/${created.json.id}`, { cache: 'pairs' });
    assert.equal(patched.json.cache, 'pairs');
    cohere.requests.length = 0;
    for (let i = 0; i < 2; i++) assert.equal((await gw.post('/v1/rerank', body, asFileKey)).status, 200);
    assert.equal(cohere.requests.length, 1, 'the second request is served from the cache');

    const bad = await call('PATCH', `/admin/v1/models/${created.json.id}`, { cache: 'sometimes' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'cache');
    assert.equal((await call('DELETE', `/admin/v1/models/${created.json.id}`)).status, 200);
  });

  it('updates models and provider keys, rotating the secret', async () => {
    const patched = await call('PATCH', `/admin/v1/models/${modelId}`, { price: { per_1k_search_units: 5 } });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.json.price, { per_1k_search_units: 5 });
    const proxied = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a q'], cache: false }, asFileKey);
    assert.equal(proxied.status, 200);

    const rotated = await call('PATCH', `/admin/v1/provider_keys/${providerKeyId}`, { secret: JSON.stringify({ api_key: 'wrong-now' }) });
    assert.equal(rotated.status, 200, rotated.text);
    const refused = await gw.post('/v1/rerank', { model: 'cohere-prod/rerank-v3.5', query: 'q', documents: ['a'] }, asFileKey);
    assert.equal(refused.status, 502, 'the fake refuses the rotated key');
    const back = await call('PATCH', `/admin/v1/provider_keys/${providerKeyId}`, { secret: JSON.stringify({ api_key: SECRET }) });
    assert.equal(back.status, 200);
    const ok = await gw.post('/v1/rerank', { model: 'cohere-prod/rerank-v3.5', query: 'q', documents: ['a'] }, asFileKey);
    assert.equal(ok.status, 200);
    const missing = await call('PATCH', '/admin/v1/models/mdl_nope', { price: null });
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'resource_not_found');
  });

  it('manages API keys: generated keys are shown once, hashes never in full', async () => {
    const made = await call('POST', '/admin/v1/apikeys', {});
    assert.equal(made.status, 201, made.text);
    assert.match(made.json.key, /^rk-/);
    assert.equal(made.json.allowed_models, null);
    const generatedKey: string = made.json.key;
    const ok = await gw.post(
      '/v1/rerank',
      { model: 'local/bm25', query: 'q', documents: ['q'] },
      { authorization: `Bearer ${generatedKey}` },
    );
    assert.equal(ok.status, 200);

    const got = await call('GET', `/admin/v1/apikeys/${made.json.id}`);
    assert.equal(got.json.key, undefined);
    assert.equal(got.json.key_hash, undefined);
    assert.equal(got.json.key_hash_prefix, sha256Hex(generatedKey).slice(0, 12));

    const chosen = await call('POST', '/admin/v1/apikeys', {
      key_hash: sha256Hex('my-chosen-key'),
      name: 'search-app',
      allowed_models: ['search', 'cohere-*/*'],
      rpm: 100,
      budget: { usd: 10, period: 'month' },
      expires_at: '2099-01-01T00:00:00Z',
      metadata: { team: 'search' },
    });
    assert.equal(chosen.status, 201, chosen.text);
    assert.equal(chosen.json.key, undefined, 'a key the caller chose is never echoed');
    assert.deepEqual(chosen.json.budget, { usd: 10, period: 'month' });
    const dup = await call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex('my-chosen-key') });
    assert.equal(dup.status, 409);

    for (const [body, param] of [
      [{ key_hash: 'abc' }, 'key_hash'],
      [{ rpm: -1 }, 'rpm'],
      [{ rpm: 1.5 }, 'rpm'],
      [{ budget: { usd: 5, period: 'week' } }, 'budget.period'],
      [{ expires_at: 'tomorrow' }, 'expires_at'],
      [{ allowed_models: 'search' }, 'allowed_models'],
    ] as const) {
      const res = await call('POST', '/admin/v1/apikeys', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} -> ${res.text}`);
      assert.equal(res.json.error.param, param);
    }

    const patched = await call('PATCH', `/admin/v1/apikeys/${chosen.json.id}`, { rpm: null, disabled: true });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.rpm, null);
    assert.equal(patched.json.disabled, true);
    assert.equal(patched.json.name, 'search-app', 'fields not in the patch stay');

    const list = await call('GET', '/admin/v1/apikeys?limit=2');
    assert.equal(list.json.data.length, 2);
    assert.equal(list.json.data[0].source, 'file');
    assert.equal(list.json.has_more, true);
    assert.equal(list.json.next_offset, 2);
    const rest = await call('GET', '/admin/v1/apikeys?limit=2&offset=2');
    assert.equal(rest.json.data.length, 1);
    assert.equal(rest.json.has_more, false);
    const badPage = await call('GET', '/admin/v1/apikeys?limit=0');
    assert.equal(badPage.status, 400);
    assert.equal(badPage.json.error.param, 'limit');

    const deleted = await call('DELETE', `/admin/v1/apikeys/${made.json.id}`);
    assert.deepEqual(deleted.json, { id: made.json.id, object: 'api_key', deleted: true });
    const gone = await gw.post(
      '/v1/rerank',
      { model: 'local/bm25', query: 'q', documents: ['q'] },
      { authorization: `Bearer ${generatedKey}` },
    );
    assert.equal(gone.status, 401, 'a deleted key stops working at once');
    assert.equal((await call('GET', `/admin/v1/apikeys/${made.json.id}`)).status, 404);
  });

  it('lists config-file resources read-only', async () => {
    const key = await call('GET', '/admin/v1/apikeys/file:from-file');
    assert.equal(key.status, 200);
    assert.equal(key.json.source, 'file');
    for (const [method, path] of [
      ['PATCH', '/admin/v1/apikeys/file:from-file'],
      ['DELETE', '/admin/v1/apikeys/file:from-file'],
      ['PATCH', '/admin/v1/models/file:file-bm25'],
      ['DELETE', '/admin/v1/models/file:file-bm25'],
      ['PATCH', '/admin/v1/provider_keys/file:local'],
      ['DELETE', '/admin/v1/provider_keys/file:local'],
    ] as const) {
      const res = await call(method, path, method === 'PATCH' ? { disabled: true } : undefined);
      assert.equal(res.status, 409, `${method} ${path}`);
      assert.equal(res.json.error.code, 'read_only_resource');
    }
  });

  it('deletes models and provider keys', async () => {
    assert.equal((await call('DELETE', `/admin/v1/models/${modelId}`)).status, 200);
    const unrouted = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a'] }, asFileKey);
    assert.equal(unrouted.status, 404);
    assert.equal(unrouted.json.error.code, 'model_not_found');
    assert.equal((await call('DELETE', `/admin/v1/provider_keys/${providerKeyId}`)).status, 200);
    assert.equal((await call('GET', `/admin/v1/provider_keys/${providerKeyId}`)).status, 404);
    assert.equal((await call('DELETE', `/admin/v1/provider_keys/${providerKeyId}`)).status, 404);
  });

  it('reports usage grouped as asked and rejects unknown groupings', async () => {
    await gw.gateway.usage.flush();
    const byModel = await call('GET', '/admin/v1/usage?group_by=model');
    assert.equal(byModel.status, 200);
    const search = byModel.json.data.find((g: any) => g.model === 'search');
    // One search unit at the default $2/1k, then one at the patched $5/1k.
    assert.equal(search.requests, 2);
    assert.equal(search.search_units, 2);
    assert.equal(search.cost_usd, 0.007);
    const byKey = await call('GET', '/admin/v1/usage?group_by=key&from=2000-01-01&to=2999-01-01');
    assert.ok(byKey.json.data.some((g: any) => g.key === 'from-file' && g.name === 'from-file'));
    const none = await call('GET', '/admin/v1/usage?group_by=day&from=2999-01-01');
    assert.deepEqual(none.json.data, []);
    const bad = await call('GET', '/admin/v1/usage?group_by=color');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'group_by');
    const badDate = await call('GET', '/admin/v1/usage?from=yesterday');
    assert.equal(badDate.status, 400);
  });

  it('never returned a secret in any response', () => {
    assert.ok(seen.length > 20);
    for (const text of seen) assert.ok(!text.includes(SECRET), text);
  });
});
