import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ApplyGuardrailCommand, BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sendJson } from '../helpers/fake-server.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDGUARDTEST', secretAccessKey: 'guard-test-secret' };
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const OPERATOR = { guardrailIdentifier: 'gr-operator', guardrailVersion: '3', trace: 'enabled' };

describe('operator guardrails on an alias', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [KEYS], routes: bedrockChatRoutes({}) });
    bedrock.route({
      method: 'POST',
      pattern: /^\/guardrail\/([a-z0-9]+)\/version\/([0-9]+|DRAFT)\/apply$/,
      handle(_req, res, m) {
        sendJson(res, 200, {
          action: 'GUARDRAIL_INTERVENED',
          outputs: [{ text: `blocked by ${m[1]} v${m[2]}` }],
          assessments: [],
          usage: { topicPolicyUnits: 1 },
        });
      },
    });
    gw = await startGateway({
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          runtime_endpoint: bedrock.url,
        },
      ],
      models: [
        { name: 'claude-guarded', target: `bedrock/${CLAUDE}`, guardrail: { identifier: 'gr-operator', version: '3', trace: 'enabled' } },
        { name: 'claude-open', target: `bedrock/${CLAUDE}` },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
  });
  const lastConverse = () => bedrock.accepted.filter((r) => r.path.endsWith('/converse')).at(-1)!;

  it('every OpenAI chat request of the alias carries it; a caller guardrailConfig cannot replace it', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'claude-guarded', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(lastConverse().json.guardrailConfig, OPERATOR);
    await client.chat.completions.create({
      model: 'claude-guarded',
      messages: [{ role: 'user', content: 'hi' }],
      ...({ guardrailConfig: { guardrailIdentifier: 'mine', guardrailVersion: 'DRAFT' } } as any),
    });
    assert.deepEqual(lastConverse().json.guardrailConfig, OPERATOR);
    await client.chat.completions.create({ model: 'claude-open', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(lastConverse().json.guardrailConfig, undefined);
  });

  it("native Converse on the alias gets it too, replacing the caller's", async () => {
    const res = await gw.post('/model/claude-guarded/converse', {
      messages: [{ role: 'user', content: [{ text: 'hi' }] }],
      guardrailConfig: { guardrailIdentifier: 'mine', guardrailVersion: '1' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(lastConverse().json.guardrailConfig, OPERATOR);
  });

  it('ApplyGuardrailCommand passes through with only the endpoint changed', async () => {
    const sdk = new BedrockRuntimeClient({
      region: 'us-west-2',
      endpoint: gw.url,
      token: { token: 'unused' },
      authSchemePreference: ['httpBearerAuth'],
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    const out = await sdk.send(
      new ApplyGuardrailCommand({
        guardrailIdentifier: 'gr1abc',
        guardrailVersion: '2',
        source: 'INPUT',
        content: [{ text: { text: 'bad words' } }],
      }),
    );
    assert.equal(out.action, 'GUARDRAIL_INTERVENED');
    assert.equal(out.outputs?.[0].text, 'blocked by gr1abc v2');
    const sent = bedrock.accepted.at(-1)!;
    assert.equal(sent.signedBy, KEYS.accessKeyId);
    assert.deepEqual(sent.json, { source: 'INPUT', content: [{ text: { text: 'bad words' } }] });
  });
});
