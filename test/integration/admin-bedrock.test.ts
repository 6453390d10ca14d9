import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const UPSTREAM = { accessKeyId: 'AKIDADMINBEDROCK', secretAccessKey: 'admin-bedrock-secret-value' };
const ADMIN_KEY = 'rk-admin-bedrock';

/** The Bedrock provider key shape, created at run time, serving unified and native requests. */
describe('a Bedrock provider key created through the admin API', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;
  let admin: AdminClient;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [UPSTREAM], routes: bedrockRerankRoutes('us-west-2') });
    gw = await startGateway({}, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });

  it('signs upstream calls with the stored credentials and routes native ARNs by region', async () => {
    const pk = await admin.call('POST', '/admin/v1/provider_keys', {
      display_name: 'bedrock-prod',
      provider: 'bedrock',
      adapter: 'bedrock',
      secret: JSON.stringify({ access_key_id: UPSTREAM.accessKeyId, secret_access_key: UPSTREAM.secretAccessKey, region: 'us-west-2' }),
      config: { agent_runtime_endpoint: bedrock.url, runtime_endpoint: bedrock.url },
    });
    assert.equal(pk.status, 201, pk.text);
    assert.deepEqual(pk.json.secret_fields, ['access_key_id', 'region', 'secret_access_key']);
    assert.ok(!pk.text.includes(UPSTREAM.secretAccessKey));

    const model = await admin.call('POST', '/admin/v1/models', {
      display_name: 'bedrock-rerank',
      provider: 'bedrock',
      model_name: 'cohere.rerank-v3-5:0',
      provider_key_id: pk.json.id,
    });
    assert.equal(model.status, 201, model.text);

    const unified = await gw.post('/v1/rerank', {
      model: 'bedrock-rerank',
      query: 'exercise health',
      documents: ['exercise and health', 'cooking'],
      cache: false,
    });
    assert.equal(unified.status, 200, JSON.stringify(unified.json));
    assert.equal(unified.json.extra_fields.provider, 'bedrock-prod');
    assert.equal(unified.json.results[0].index, 0);
    assert.ok(bedrock.requests.length >= 1, 'the fake Bedrock verified the SigV4 signature of the stored key');

    const native = await gw.post(
      '/rerank',
      nativeRerankBody({ modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0' }),
    );
    assert.equal(native.status, 200, JSON.stringify(native.json));
    assert.equal(native.json.results.length, 5);

    await gw.gateway.usage.flush();
    const usage = await admin.call('GET', '/admin/v1/usage?group_by=provider');
    const row = usage.json.data.find((g: any) => g.provider === 'bedrock-prod');
    assert.equal(row.requests, 2);
    assert.ok(row.cost_usd > 0, 'Bedrock Cohere Rerank 3.5 is priced');
  });

  it('rejects Bedrock credentials missing a field, naming the secret', async () => {
    const res = await admin.call('POST', '/admin/v1/provider_keys', {
      display_name: 'bedrock-bad',
      provider: 'bedrock',
      adapter: 'bedrock',
      secret: JSON.stringify({ access_key_id: 'AKIDONLY' }),
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.param, 'secret');
  });
});
