import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from '../../helpers/admin.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-aws';

describe('admin API: AWS access keys for SigV4 callers', () => {
  let gw: RunningGateway;
  let admin: AdminClient;
  let apiKeyId: string;

  before(async () => {
    gw = await startGateway({}, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
    const key = await admin.call('POST', '/admin/v1/apikeys', { name: 'bedrock-app', allowed_models: ['rerank-*'], rpm: 60 });
    apiKeyId = key.json.id;
  });
  after(() => gw.close());

  it('issues a pair, shows the secret once and feeds the SigV4 lookup with the linked key', async () => {
    const made = await admin.call('POST', '/admin/v1/aws_access_keys', { api_key_id: apiKeyId });
    assert.equal(made.status, 201, made.text);
    const { id, access_key_id: accessKeyId, secret_access_key: secret } = made.json;
    assert.match(accessKeyId, /^RKIA[A-Z2-7]{16}$/);
    assert.equal(secret.length, 40);

    const got = await admin.call('GET', `/admin/v1/aws_access_keys/${id}`);
    assert.equal(got.json.secret_access_key, undefined);
    const list = await admin.call('GET', '/admin/v1/aws_access_keys');
    assert.ok(!list.text.includes(secret));
    for (const file of readdirSync(gw.dataDir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(gw.dataDir, f)).isFile()))
      assert.ok(!readFileSync(join(gw.dataDir, file)).includes(secret), file);

    const found = gw.gateway.awsAccessKeys.find(accessKeyId)!;
    assert.equal(found.secretAccessKey, secret);
    assert.equal(found.caller.keyId, apiKeyId);
    assert.deepEqual(found.caller.allowedModels, ['rerank-*']);
    assert.equal(found.caller.limits?.rpm, 60);
    assert.equal(found.disabled, false);
    assert.equal(gw.gateway.awsAccessKeys.find('AKIAUNKNOWN'), undefined);

    assert.equal((await admin.call('PATCH', `/admin/v1/aws_access_keys/${id}`, { disabled: true })).status, 200);
    assert.equal(gw.gateway.awsAccessKeys.find(accessKeyId)!.disabled, true);
    await admin.call('PATCH', `/admin/v1/apikeys/${apiKeyId}`, { disabled: false, rpm: 5 });
    assert.equal(gw.gateway.awsAccessKeys.find(accessKeyId)!.caller.limits?.rpm, 5, 'follows its API key');

    const blocked = await admin.call('DELETE', `/admin/v1/apikeys/${apiKeyId}`);
    assert.equal(blocked.status, 409, 'an API key with issued pairs stays');
    assert.equal((await admin.call('DELETE', `/admin/v1/aws_access_keys/${id}`)).status, 200);
    assert.equal(gw.gateway.awsAccessKeys.find(accessKeyId), undefined);
  });

  it('rejects a pair for an unknown API key', async () => {
    const res = await admin.call('POST', '/admin/v1/aws_access_keys', { api_key_id: 'key_nope' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.param, 'api_key_id');
    assert.equal((await admin.call('GET', '/admin/v1/aws_access_keys/aws_nope')).status, 404);
  });
});
