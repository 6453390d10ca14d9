import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AccessDeniedException,
  BedrockAgentRuntimeClient,
  RerankCommand,
  ThrottlingException,
  type RerankCommandInput,
} from '@aws-sdk/client-bedrock-agent-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { nativeRerankBody } from '../helpers/bedrock-native.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-aws-sdk';

/** The AWS SDK signing with a key pair issued through the admin API, under its API key's policy. */
describe('AWS SDK with an admin-issued access key pair', () => {
  let gw: RunningGateway;
  let admin: AdminClient;
  const input = nativeRerankBody({ numberOfResults: 2 }) as RerankCommandInput;

  before(async () => {
    gw = await startGateway(
      { server: { auth: 'keys' }, models: [{ name: 'bm25', target: 'local/bm25', arns: ['cohere.rerank-v3-5:0'] }] },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(() => gw.close());

  async function issue(fields: Record<string, unknown>): Promise<{ id: string; accessKeyId: string; secretAccessKey: string }> {
    const key = await admin.call('POST', '/admin/v1/apikeys', fields);
    const pair = await admin.call('POST', '/admin/v1/aws_access_keys', { api_key_id: key.json.id });
    assert.equal(pair.status, 201, pair.text);
    return { id: pair.json.id, accessKeyId: pair.json.access_key_id, secretAccessKey: pair.json.secret_access_key };
  }

  const client = (pair: { accessKeyId: string; secretAccessKey: string }) =>
    new BedrockAgentRuntimeClient({
      region: 'us-west-2',
      endpoint: gw.url,
      credentials: pair,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });

  it('signs in, and the API key limits apply: rpm 2 gives two answers then ThrottlingException', async () => {
    const pair = await issue({ allowed_models: ['bm25'], rpm: 2 });
    const sdk = client(pair);
    for (let i = 0; i < 2; i++) {
      const out = await sdk.send(new RerankCommand(input));
      assert.equal(out.results?.length, 2);
    }
    await assert.rejects(sdk.send(new RerankCommand(input)), ThrottlingException);

    await admin.call('PATCH', `/admin/v1/aws_access_keys/${pair.id}`, { disabled: true });
    await assert.rejects(sdk.send(new RerankCommand(input)), AccessDeniedException);
  });

  it('refuses a model outside the API key allow-list, and a wrong secret', async () => {
    const pair = await issue({ allowed_models: ['other-*'] });
    await assert.rejects(client(pair).send(new RerankCommand(input)), AccessDeniedException);
    await assert.rejects(client({ ...pair, secretAccessKey: 'x'.repeat(40) }).send(new RerankCommand(input)), AccessDeniedException);
  });
});
