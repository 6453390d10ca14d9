import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { newOutcome } from '../../src/core/context.js';
import { Tracing } from '../../src/observability/tracing.js';
import { genAiAttributes } from '../../src/observability/tracing-genai.js';
import { runtimeOperation } from '../../src/providers/bedrock/operation.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { bedrockChatRoutes } from '../helpers/fakes/bedrock-chat.js';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { startFakeOpenAi } from '../helpers/fakes/openai.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const AWS = { accessKeyId: 'AKIDGENAITRACES', secretAccessKey: 'genai-trace-secret' };
const MESSAGES = [{ role: 'user', content: 'Say hello' }];

describe('OpenTelemetry GenAI attributes on request spans', () => {
  const exporter = new InMemorySpanExporter();
  let cohere: FakeServer;
  let openai: FakeServer;
  let bedrock: FakeBedrock;
  let gw: RunningGateway;

  before(async () => {
    cohere = await startFakeCohere({ apiKey: 'k' });
    openai = await startFakeOpenAi({ apiKey: 'sk-oai' });
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [AWS], routes: bedrockChatRoutes() });
    gw = await startGateway(
      {
        providers: [
          { name: 'co', type: 'cohere', api_key: 'k', base_url: cohere.url },
          { name: 'oai', type: 'openai', api_key: 'sk-oai', base_url: `${openai.url}/v1` },
          {
            name: 'aws',
            type: 'bedrock',
            region: 'us-west-2',
            access_key_id: AWS.accessKeyId,
            secret_access_key: AWS.secretAccessKey,
            runtime_endpoint: bedrock.url,
          },
        ],
        models: [
          { name: 'search', target: 'co/rerank-v3.5' },
          { name: 'assistant', target: 'oai/gpt-4o-mini' },
          { name: 'vectors', target: 'aws/amazon.titan-embed-text-v2:0' },
        ],
      },
      {},
      { tracing: new Tracing({ serviceName: 'rankway-test', exporter }) },
    );
  });
  after(async () => {
    await gw.close();
    await Promise.all([cohere.close(), openai.close(), bedrock.close()]);
  });

  /** The SERVER span of the request just made (spans end before the response settles). */
  async function serverSpan(path: string): Promise<ReadableSpan> {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const span = exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.attributes['http.route'] !== undefined && s.name.endsWith(path));
      if (span) return span;
      if (Date.now() > deadline)
        throw new Error(
          `no server span for ${path}: ${exporter
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const genAi = (span: ReadableSpan) => Object.fromEntries(Object.entries(span.attributes).filter(([k]) => k.startsWith('gen_ai.')));

  it('rerank: operation, provider, requested and upstream model; no invented token counts', async () => {
    exporter.reset();
    const res = await gw.post('/v1/rerank', { model: 'search', query: 'q', documents: ['a', 'b'], cache: false });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(genAi(await serverSpan('/v1/rerank')), {
      'gen_ai.operation.name': 'rerank',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.model': 'search',
      'gen_ai.response.model': 'rerank-v3.5',
    });
  });

  it('chat: input and output tokens as the upstream reported them', async () => {
    exporter.reset();
    const res = await gw.post('/v1/chat/completions', { model: 'assistant', messages: MESSAGES });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const attrs = genAi(await serverSpan('/v1/chat/completions'));
    assert.equal(attrs['gen_ai.operation.name'], 'chat');
    assert.equal(attrs['gen_ai.provider.name'], 'openai');
    assert.equal(attrs['gen_ai.request.model'], 'assistant');
    assert.equal(attrs['gen_ai.response.model'], 'gpt-4o-mini');
    assert.equal(attrs['gen_ai.usage.input_tokens'], res.json.usage.prompt_tokens);
    assert.equal(attrs['gen_ai.usage.output_tokens'], res.json.usage.completion_tokens);
    assert.ok((attrs['gen_ai.usage.output_tokens'] as number) > 0);
  });

  it('embeddings on Bedrock: the provider is named aws.bedrock, input tokens only', async () => {
    exporter.reset();
    const res = await gw.post('/v1/embeddings', { model: 'vectors', input: ['hello', 'world'] });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const attrs = genAi(await serverSpan('/v1/embeddings'));
    assert.equal(attrs['gen_ai.operation.name'], 'embeddings');
    assert.equal(attrs['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(attrs['gen_ai.response.model'], 'amazon.titan-embed-text-v2:0');
    assert.equal(attrs['gen_ai.usage.input_tokens'], res.json.usage.prompt_tokens);
    assert.equal(attrs['gen_ai.usage.output_tokens'], undefined);
  });

  it('native Bedrock Converse passed through is a chat span', async () => {
    exporter.reset();
    const res = await gw.post('/model/aws%2Fanthropic.claude-3-5-sonnet-20241022-v2%3A0/converse', {
      messages: [{ role: 'user', content: [{ text: 'Say hello' }] }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const attrs = genAi(await serverSpan('/model/:modelId/:action'));
    assert.equal(attrs['gen_ai.operation.name'], 'chat');
    assert.equal(attrs['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(attrs['gen_ai.usage.input_tokens'], res.json.usage.inputTokens);
    assert.equal(attrs['gen_ai.usage.output_tokens'], res.json.usage.outputTokens);
  });

  it('a request that never reached a service carries no GenAI attributes', async () => {
    exporter.reset();
    assert.equal((await gw.post('/v1/rerank', { model: 'search' })).status, 400);
    assert.deepEqual(genAi(await serverSpan('/v1/rerank')), {});
  });
});

describe('GenAI attribute mapping', () => {
  it('names provider types as the conventions list them, others by their type', () => {
    const o = { ...newOutcome(), operation: 'rerank' as const, alias: 'x', upstreamModel: 'y' };
    assert.equal(genAiAttributes({ ...o, providerType: 'vertex' })['gen_ai.provider.name'], 'gcp.vertex_ai');
    assert.equal(genAiAttributes({ ...o, providerType: 'bedrock' })['gen_ai.provider.name'], 'aws.bedrock');
    assert.equal(genAiAttributes({ ...o, providerType: 'voyage' })['gen_ai.provider.name'], 'voyage');
  });

  it('reads the operation of a native Bedrock Runtime call from its action and model', () => {
    assert.equal(runtimeOperation('converse-stream', 'us.anthropic.claude-3-5-sonnet-20241022-v2:0'), 'chat');
    assert.equal(runtimeOperation('invoke', 'amazon.titan-embed-text-v2:0'), 'embeddings');
    assert.equal(runtimeOperation('invoke', 'cohere.rerank-v3-5:0'), 'rerank');
    assert.equal(runtimeOperation('invoke', 'arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0'), 'rerank');
    assert.equal(runtimeOperation('invoke-with-response-stream', 'anthropic.claude-3-haiku-20240307-v1:0'), 'chat');
  });
});
