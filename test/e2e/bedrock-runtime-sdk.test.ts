import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { sendJson } from '../helpers/fake-server.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes, eventFrame, type BedrockChatBehaviour } from '../helpers/fakes/bedrock-chat.js';
import { fakeEmbedding } from '../helpers/fakes/chat-script.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDRUNTIMETEST', secretAccessKey: 'runtime-test-secret' };
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const PROFILE = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const CALLER = 'rk-runtime-caller';
/** A Rankway-issued AWS-style key pair: callers sign with it instead of sending a key. */
const ISSUED = { access_key_id: 'RKIDSIGNERTEST01', secret_access_key: 'rankway-issued-secret' };
const LIMITED = 'rk-runtime-limited';

/** A runtime client as an application would build it, Bearer-authenticated with a Rankway key. */
function runtimeClient(url: string, key: string, http1 = true): BedrockRuntimeClient {
  return new BedrockRuntimeClient({
    region: 'us-west-2',
    endpoint: url,
    token: { token: key },
    authSchemePreference: ['httpBearerAuth'],
    maxAttempts: 1,
    ...(http1 ? { requestHandler: new NodeHttpHandler() } : {}),
  });
}

describe('native Bedrock runtime passthrough with the official AWS SDK', () => {
  let bedrock: FakeBedrock;
  let gw: RunningGateway;
  let client: BedrockRuntimeClient;
  const behaviour: BedrockChatBehaviour = {};

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [KEYS], routes: bedrockChatRoutes(behaviour) });
    // InvokeModelWithResponseStream for an Anthropic model: chunk events carrying model-native JSON.
    bedrock.route({
      method: 'POST',
      pattern: /^\/model\/([^/]+)\/invoke-with-response-stream$/,
      handle(_req, res) {
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
        const native = [
          { type: 'message_start', message: { role: 'assistant', usage: { input_tokens: 12, output_tokens: 1 } } },
          { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi!' } },
          {
            type: 'message_stop',
            'amazon-bedrock-invocationMetrics': { inputTokenCount: 12, outputTokenCount: 3, invocationLatency: 100, firstByteLatency: 50 },
          },
        ];
        for (const n of native) res.write(eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(n)).toString('base64') }));
        res.end();
      },
    });
    bedrock.route({
      method: 'POST',
      pattern: /^\/model\/([^/]+)\/async-invoke$/,
      handle(req, res) {
        sendJson(res, 200, { invocationArn: `arn:aws:bedrock:us-west-2:123456789012:async-invoke/${req.json.clientRequestToken}` });
      },
    });
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [
          { name: 'app', key_sha256: sha256Hex(CALLER) },
          { name: 'limited', key_sha256: sha256Hex(LIMITED), allowed_models: ['titan-embed'] },
        ],
        aws_access_keys: [{ name: 'signer', ...ISSUED, allowed_models: ['claude-bedrock'] }],
      },
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          runtime_endpoint: bedrock.url,
          max_retries: 1,
        },
      ],
      models: [
        { name: 'claude-bedrock', target: `bedrock/${CLAUDE}` },
        { name: 'titan-embed', target: 'bedrock/amazon.titan-embed-text-v2:0' },
      ],
    });
    client = runtimeClient(gw.url, CALLER);
  });
  after(async () => {
    client.destroy();
    await gw.close();
    await bedrock.close();
  });
  const reset = () => {
    bedrock.requests.length = 0;
    bedrock.accepted.length = 0;
  };
  const usageRows = async () => {
    await new Promise((r) => setTimeout(r, 50));
    await gw.gateway.usage.flush();
    return sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'bedrock-runtime' ORDER BY ts");
  };

  it('ConverseStreamCommand streams through /model/{id}/converse-stream, re-signed, usage recorded from metadata', async () => {
    reset();
    const out = await client.send(
      new ConverseStreamCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'stream natively' }] }] }),
    );
    let text = '';
    let stop: string | undefined;
    let usage: { inputTokens?: number; outputTokens?: number } | undefined;
    for await (const event of out.stream!) {
      if (event.contentBlockDelta?.delta?.text) text += event.contentBlockDelta.delta.text;
      if (event.messageStop) stop = event.messageStop.stopReason;
      if (event.metadata) usage = event.metadata.usage;
    }
    assert.equal(text, 'You said: stream natively');
    assert.equal(stop, 'end_turn');
    assert.deepEqual([usage?.inputTokens, usage?.outputTokens], [2, 4]);
    assert.equal(bedrock.accepted.length, 1);
    assert.equal(bedrock.accepted[0].signedBy, KEYS.accessKeyId);
    assert.equal(bedrock.accepted[0].path, '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
    const rows = await usageRows();
    const row = rows[rows.length - 1];
    assert.deepEqual([row.key_id, row.input_tokens, row.output_tokens, row.upstream_model], ['app', 2, 4, CLAUDE]);
  });

  it('ConverseCommand by alias is served by the alias target; usage recorded from the body', async () => {
    reset();
    const out = await client.send(
      new ConverseCommand({ modelId: 'claude-bedrock', messages: [{ role: 'user', content: [{ text: 'hello alias' }] }] }),
    );
    assert.equal(out.output?.message?.content?.[0].text, 'You said: hello alias');
    assert.equal(out.usage?.totalTokens, 6);
    assert.equal(bedrock.accepted[0].path, '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    const rows = await usageRows();
    assert.deepEqual([rows[rows.length - 1].alias, rows[rows.length - 1].input_tokens], ['claude-bedrock', 2]);
  });

  it('passes cross-region inference profile ids through encoded', async () => {
    reset();
    await client.send(new ConverseCommand({ modelId: PROFILE, messages: [{ role: 'user', content: [{ text: 'x' }] }] }));
    assert.equal(bedrock.accepted[0].path, '/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
  });

  it('InvokeModelCommand returns the model body untouched', async () => {
    const out = await client.send(
      new InvokeModelCommand({
        modelId: 'amazon.titan-embed-text-v2:0',
        contentType: 'application/json',
        body: JSON.stringify({ inputText: 'embed me', dimensions: 256 }),
      }),
    );
    const body = JSON.parse(Buffer.from(out.body).toString('utf8'));
    assert.deepEqual(body.embedding, fakeEmbedding('embed me', 256));
    assert.equal(body.inputTextTokenCount, 2);
    const rows = await usageRows();
    assert.deepEqual([rows[rows.length - 1].input_tokens, rows[rows.length - 1].upstream_model], [2, 'amazon.titan-embed-text-v2:0']);
  });

  it('InvokeModelWithResponseStreamCommand relays chunk events and records their invocation metrics', async () => {
    const out = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId: CLAUDE,
        body: JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 10, messages: [] }),
      }),
    );
    const types: string[] = [];
    for await (const event of out.body!) types.push(JSON.parse(Buffer.from(event.chunk!.bytes!).toString('utf8')).type);
    assert.deepEqual(types, ['message_start', 'content_block_delta', 'message_stop']);
    const rows = await usageRows();
    assert.deepEqual([rows[rows.length - 1].input_tokens, rows[rows.length - 1].output_tokens], [12, 3]);
  });

  it('passes any other runtime action through (async-invoke)', async () => {
    const res = await fetch(`${gw.url}/model/${encodeURIComponent('amazon.nova-reel-v1:0')}/async-invoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CALLER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ clientRequestToken: 'tok-1', modelInput: {}, outputDataConfig: {} }),
    });
    assert.equal(res.status, 200);
    assert.match((await res.json()).invocationArn, /async-invoke\/tok-1$/);
  });

  it('applies the allow-list to modelId and answers AWS-shaped errors the SDK understands', async () => {
    const limited = runtimeClient(gw.url, LIMITED);
    await assert.rejects(
      limited.send(new ConverseCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'x' }] }] })),
      (e: any) => {
        assert.equal(e.name, 'AccessDeniedException');
        assert.equal(e.$metadata.httpStatusCode, 403);
        return true;
      },
    );
    // The alias's own Bedrock id is allowed through the alias's permission.
    await limited.send(new InvokeModelCommand({ modelId: 'titan-embed', body: JSON.stringify({ inputText: 'ok' }) }));
    limited.destroy();

    const stranger = runtimeClient(gw.url, 'not-a-key');
    await assert.rejects(stranger.send(new ConverseCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'x' }] }] })), {
      name: 'AccessDeniedException',
    });
    stranger.destroy();
  });

  it('redacts upstream AWS error detail but keeps the exception class', async () => {
    reset();
    behaviour.failBefore = { status: 429, type: 'ThrottlingException', times: 5 };
    const err = await client
      .send(new ConverseCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'x' }] }] }))
      .catch((e) => e);
    behaviour.failBefore = undefined;
    assert.equal(err.name, 'ThrottlingException');
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.doesNotMatch(err.message, /123456789012|arn:aws/);
    assert.equal(bedrock.requests.filter((r) => r.path.endsWith('/converse')).length >= 2, true, 'Rankway retried once itself');

    behaviour.failBefore = { status: 429, type: 'ThrottlingException', times: 5 };
    const raw = await fetch(`${gw.url}/model/${encodeURIComponent(CLAUDE)}/converse`, {
      method: 'POST',
      headers: { authorization: `Bearer ${CALLER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
    });
    behaviour.failBefore = undefined;
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('x-amzn-errortype'), 'ThrottlingException');
    assert.equal(raw.headers.get('x-should-retry'), 'false');
    assert.ok(raw.headers.get('retry-after'));
    assert.doesNotMatch(await raw.text(), /123456789012|arn:aws/);
  });

  it('accepts callers signing with a Rankway-issued SigV4 key pair, with its allow-list', async () => {
    reset();
    const signer = new BedrockRuntimeClient({
      region: 'eu-central-1',
      endpoint: gw.url,
      credentials: { accessKeyId: ISSUED.access_key_id, secretAccessKey: ISSUED.secret_access_key },
      maxAttempts: 1,
    });
    const out = await signer.send(
      new ConverseCommand({ modelId: 'claude-bedrock', messages: [{ role: 'user', content: [{ text: 'signed call' }] }] }),
    );
    assert.equal(out.output?.message?.content?.[0].text, 'You said: signed call');
    // Re-signed upstream with the provider's own credentials and region.
    assert.equal(bedrock.accepted[0].signedBy, KEYS.accessKeyId);
    await assert.rejects(signer.send(new InvokeModelCommand({ modelId: 'titan-embed', body: JSON.stringify({ inputText: 'x' }) })), {
      name: 'AccessDeniedException',
    });
    signer.destroy();

    const forger = new BedrockRuntimeClient({
      region: 'us-west-2',
      endpoint: gw.url,
      credentials: { accessKeyId: ISSUED.access_key_id, secretAccessKey: 'wrong-secret' },
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
    await assert.rejects(
      forger.send(new ConverseCommand({ modelId: 'claude-bedrock', messages: [{ role: 'user', content: [{ text: 'x' }] }] })),
      (e: any) => e.$metadata.httpStatusCode === 403,
    );
    forger.destroy();
  });

  it('works with the SDK default HTTP/2 handler', async () => {
    const h2 = runtimeClient(gw.url, CALLER, false);
    const out = await h2.send(new ConverseStreamCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'over h2' }] }] }));
    let text = '';
    for await (const event of out.stream!) text += event.contentBlockDelta?.delta?.text ?? '';
    assert.equal(text, 'You said: over h2');
    const plain = await h2.send(new ConverseCommand({ modelId: CLAUDE, messages: [{ role: 'user', content: [{ text: 'again' }] }] }));
    assert.equal(plain.output?.message?.content?.[0].text, 'You said: again');
    h2.destroy();
  });
});
