import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient } from '../helpers/admin.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-refused';
const body = { model: 'cheap', query: 'rotate keys', documents: ['rotate api keys', 'metrics'] };

describe('refused requests are in the usage table', () => {
  let gw: RunningGateway;
  let limitedId: string;
  before(async () => {
    gw = await startGateway(
      {
        server: { auth: 'keys', keys: [{ name: 'only-local', key_sha256: sha256Hex('only-local'), allowed_models: ['nothing/*'] }] },
        models: [{ name: 'cheap', target: 'local/bm25' }],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    const res = await adminClient(gw.adminUrl, ADMIN_KEY).call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex('one-rpm'), rpm: 1 });
    assert.equal(res.status, 201, res.text);
    limitedId = res.json.id;
  });
  after(() => gw.close());

  it('401 (no key, unknown key) under the fixed "unauthenticated" key; 403 and 429 under the caller, each with its status', async () => {
    assert.equal((await gw.post('/v1/rerank', body)).status, 401);
    assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer not-a-key' })).status, 401);
    assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer only-local' })).status, 403);
    assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer one-rpm' })).status, 200);
    assert.equal((await gw.post('/v2/rerank', body, { authorization: 'Bearer one-rpm' })).status, 429);
    // A path no route serves is not a request to any surface: not recorded.
    assert.equal((await gw.post('/v1/nothing-here', body, { authorization: 'Bearer only-local' })).status, 404);
    await gw.gateway.usage.flush();
    const rows = await sqliteRows(gw.dataDir, 'SELECT key_id, surface, status FROM usage_records ORDER BY id');
    const fileKey = [...gw.gateway.control.current.keyring.values()].find((k) => k.name === 'only-local')!.id;
    assert.deepEqual(rows, [
      { key_id: 'unauthenticated', surface: '/v1/rerank', status: 401 },
      { key_id: 'unauthenticated', surface: '/v1/rerank', status: 401 },
      { key_id: fileKey, surface: 'rerank', status: 403 },
      { key_id: limitedId, surface: 'rerank', status: 200 },
      { key_id: limitedId, surface: '/v2/rerank', status: 429 },
    ]);
    const report = await adminClient(gw.adminUrl, ADMIN_KEY).call('GET', '/admin/v1/usage?group_by=key');
    const unauth = report.json.data.find((r: { key: string }) => r.key === 'unauthenticated');
    assert.deepEqual([unauth.requests, unauth.errors], [2, 2]);
  });
});
