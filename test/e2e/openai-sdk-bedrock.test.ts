import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockChatRoutes, type BedrockChatBehaviour } from '../helpers/fakes/bedrock-chat.js';
import { fakeEmbedding } from '../helpers/fakes/chat-script.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fakes/openai.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDCHATTEST', secretAccessKey: 'chat-test-secret' };
const CLAUDE = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const API_KEY = 'bedrock-api-key-chat';
const PROFILE_ARN = 'arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0';

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

describe('openai SDK -> Rankway -> Bedrock Converse', () => {
  let bedrock: FakeBedrock;
  let openai: FakeOpenAi;
  let gw: RunningGateway;
  let client: OpenAI;
  const behaviour: BedrockChatBehaviour = {};

  before(async () => {
    bedrock = await startFakeBedrock({
      region: 'us-west-2',
      credentials: [KEYS],
      apiKeys: [API_KEY],
      routes: bedrockChatRoutes(behaviour),
    });
    openai = await startFakeOpenAi({ apiKey: 'sk-fallback' });
    gw = await startGateway({
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
        {
          name: 'bedrock-tight',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          runtime_endpoint: bedrock.url,
          timeout_ms: 400,
        },
        { name: 'oai', type: 'openai', api_key: 'sk-fallback', base_url: `${openai.url}/v1` },
        { name: 'bedrock-key', type: 'bedrock', region: 'us-west-2', api_key: API_KEY, runtime_endpoint: bedrock.url },
      ],
      models: [
        { name: 'claude-bedrock', target: `bedrock/${CLAUDE}` },
        { name: 'claude-tight', target: `bedrock-tight/${CLAUDE}` },
        { name: 'claude-key', target: `bedrock-key/${CLAUDE}` },
        { name: 'claude-or-gpt', target: `bedrock/${CLAUDE}`, fallbacks: ['oai/gpt-4o-mini'] },
        { name: 'claude-profile', target: `bedrock/${PROFILE_ARN}` },
        { name: 'titan-embed', target: 'bedrock/amazon.titan-embed-text-v2:0' },
        { name: 'cohere-embed', target: 'bedrock/cohere.embed-english-v3' },
      ],
    });
    client = new OpenAI({ apiKey: 'unused', baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
    await openai.close();
  });
  const reset = (): void => {
    bedrock.requests.length = 0;
    bedrock.accepted.length = 0;
    bedrock.rejected.length = 0;
  };
  const allSigned = (): void => {
    assert.ok(bedrock.requests.length > 0);
    assert.equal(bedrock.rejected.length, 0, JSON.stringify(bedrock.rejected));
    assert.equal(bedrock.accepted.length, bedrock.requests.length);
    assert.ok(bedrock.accepted.every((r) => r.signedBy === KEYS.accessKeyId));
  };

  it('answers through Converse with the alias as the model, system prompt and inference config translated', async () => {
    reset();
    const res = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello Bedrock' },
      ],
      max_tokens: 200,
      temperature: 0.2,
      stop: ['END'],
    });
    assert.equal(res.model, 'claude-bedrock');
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, 'You said: Hello Bedrock');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.deepEqual(res.usage && [res.usage.prompt_tokens, res.usage.completion_tokens, res.usage.total_tokens], [4, 4, 8]);
    allSigned();
    const sent = bedrock.accepted[0];
    assert.equal(sent.path, '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse');
    // Usage and cost (Claude 3.5 Sonnet v2 default price: $3 / $15 per million tokens) reach the usage store.
    await new Promise((r) => setTimeout(r, 30));
    await gw.gateway.usage.flush();
    const [row] = await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'openai-chat' ORDER BY ts DESC LIMIT 1");
    assert.deepEqual(
      [row.alias, row.provider, row.upstream_model, row.input_tokens, row.output_tokens],
      ['claude-bedrock', 'bedrock', CLAUDE, 4, 4],
    );
    assert.ok(Math.abs(row.cost_usd - (4 * 3 + 4 * 15) / 1e6) < 1e-12);
    assert.deepEqual(sent.json.system, [{ text: 'Be brief.' }]);
    assert.deepEqual(sent.json.messages, [{ role: 'user', content: [{ text: 'Hello Bedrock' }] }]);
    assert.deepEqual(sent.json.inferenceConfig, { maxTokens: 200, temperature: 0.2, stopSequences: ['END'] });
  });

  it('streams the same answer as SSE chunks from ConverseStream, with include_usage', async () => {
    reset();
    const stream = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages: [{ role: 'user', content: 'Hello Bedrock' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.model, 'claude-bedrock');
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'You said: Hello Bedrock');
    assert.equal(finish, 'stop');
    assert.equal(usage?.total_tokens, 6);
    assert.ok(chunks > 4);
    allSigned();
    assert.equal(bedrock.accepted[0].path, '/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream');
  });

  it('completes a full tool-call round trip (streamed call, non-streamed answer)', async () => {
    reset();
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const stream = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages,
      tools: [weatherTool],
      tool_choice: 'auto',
      stream: true,
    });
    const calls: { id: string; name: string; args: string }[] = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const d of chunk.choices[0]?.delta?.tool_calls ?? []) {
        calls[d.index] ??= { id: '', name: '', args: '' };
        if (d.id) calls[d.index].id = d.id;
        if (d.function?.name) calls[d.index].name = d.function.name;
        calls[d.index].args += d.function?.arguments ?? '';
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(calls, [{ id: 'tooluse_fake01', name: 'get_weather', args: '{"city":"Paris"}' }]);
    assert.deepEqual(bedrock.accepted[0].json.toolConfig, {
      tools: [
        { toolSpec: { name: 'get_weather', description: 'Current weather', inputSchema: { json: weatherTool.function.parameters } } },
      ],
      toolChoice: { auto: {} },
    });

    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: calls[0].id, type: 'function', function: { name: calls[0].name, arguments: calls[0].args } }],
    });
    messages.push({ role: 'tool', tool_call_id: calls[0].id, content: '18C and sunny' });
    const final = await client.chat.completions.create({ model: 'claude-bedrock', messages, tools: [weatherTool] });
    assert.equal(final.choices[0].message.content, 'The tool said: 18C and sunny');
    assert.equal(final.choices[0].finish_reason, 'stop');
    const second = bedrock.accepted[1].json;
    assert.deepEqual(second.messages[1], {
      role: 'assistant',
      content: [{ toolUse: { toolUseId: 'tooluse_fake01', name: 'get_weather', input: { city: 'Paris' } } }],
    });
    assert.deepEqual(second.messages[2], {
      role: 'user',
      content: [{ toolResult: { toolUseId: 'tooluse_fake01', content: [{ text: '18C and sunny' }] } }],
    });
    allSigned();
  });

  it('returns a non-streamed tool call as tool_calls with JSON arguments', async () => {
    const res = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [weatherTool],
      tool_choice: 'required',
    });
    assert.equal(res.choices[0].finish_reason, 'tool_calls');
    assert.equal(res.choices[0].message.content, null);
    assert.deepEqual(res.choices[0].message.tool_calls, [
      { id: 'tooluse_fake01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
    ]);
  });

  it('reaches Converse with a Bedrock API key (Bearer) too', async () => {
    reset();
    const res = await client.chat.completions.create({ model: 'claude-key', messages: [{ role: 'user', content: 'bearer please' }] });
    assert.equal(res.choices[0].message.content, 'You said: bearer please');
    assert.equal(bedrock.accepted[0].signedBy, 'bearer');
    assert.equal(bedrock.accepted[0].headers.authorization, `Bearer ${API_KEY}`);
  });

  it('passes inference-profile ARNs through encoded, forwards guardrailConfig and extra fields', async () => {
    reset();
    const res = await client.chat.completions.create({
      model: 'claude-profile',
      messages: [{ role: 'user', content: 'hi' }],
      guardrailConfig: { guardrailIdentifier: 'gr-1', guardrailVersion: '1' },
      top_k: 50,
      presence_penalty: 0.5,
    } as any);
    assert.equal(res.model, 'claude-profile');
    const sent = bedrock.accepted[0];
    assert.equal(sent.path, `/model/${encodeURIComponent(PROFILE_ARN)}/converse`);
    assert.ok(sent.path.includes('%2Fus.anthropic'));
    assert.deepEqual(sent.json.guardrailConfig, { guardrailIdentifier: 'gr-1', guardrailVersion: '1' });
    assert.deepEqual(sent.json.additionalModelRequestFields, { top_k: 50 });
    allSigned();
  });

  it('rejects a request with only system messages before calling Bedrock', async () => {
    reset();
    const err = await client.chat.completions
      .create({ model: 'claude-bedrock', messages: [{ role: 'system', content: 'You are helpful.' }] })
      .catch((e) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.param, 'messages');
    assert.equal(bedrock.requests.length, 0);
  });

  it('retries throttling before the first byte, then raises RateLimitError with x-should-retry false and no AWS details', async () => {
    reset();
    behaviour.failBefore = { status: 429, type: 'ThrottlingException', times: 1 };
    const ok = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages: [{ role: 'user', content: 'again' }],
      stream: true,
    });
    let text = '';
    for await (const c of ok) text += c.choices[0]?.delta?.content ?? '';
    assert.equal(text, 'You said: again');
    assert.equal(bedrock.requests.length, 2);

    behaviour.failBefore = { status: 429, type: 'ThrottlingException', times: 10 };
    const err = await client.chat.completions
      .create({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'again' }] })
      .catch((e) => e);
    behaviour.failBefore = undefined;
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.headers.get('x-should-retry'), 'false');
    assert.doesNotMatch(JSON.stringify(err.error), /123456789012|arn:aws/);
  });

  it('falls back to the next target before the first byte when Bedrock keeps throttling', async () => {
    reset();
    behaviour.failBefore = { status: 429, type: 'ThrottlingException', times: 10 };
    const stream = await client.chat.completions.create({
      model: 'claude-or-gpt',
      messages: [{ role: 'user', content: 'fall back' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) {
      assert.equal(c.model, 'claude-or-gpt');
      text += c.choices[0]?.delta?.content ?? '';
    }
    behaviour.failBefore = undefined;
    assert.equal(text, 'You said: fall back');
    assert.equal(bedrock.requests.length, 2, 'one try and one retry on Bedrock');
    assert.equal(openai.requests.length, 1);
    assert.equal(openai.requests[0].json.model, 'gpt-4o-mini');
  });

  it('ends a stream that fails after the first byte with one error event, and never hangs', async () => {
    behaviour.failAfterFrames = { frames: 3, exception: 'modelStreamErrorException' };
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'a long answer please' }], stream: true }),
    });
    assert.equal(res.status, 200);
    const body = await res.text();
    const events = body.split('\n\n').filter(Boolean);
    const last = events[events.length - 1];
    assert.match(last, /^data: \{"error":/);
    assert.equal(events.filter((e) => e.includes('"error"')).length, 1);
    assert.ok(!body.includes('[DONE]'));
    assert.doesNotMatch(body, /123456789012/);
    assert.equal(JSON.parse(last.slice(6)).error.code, 'upstream_unavailable');

    // The SDK raises on that event.
    behaviour.failAfterFrames = { frames: 2, exception: 'internalServerException' };
    const stream = await client.chat.completions.create({
      model: 'claude-bedrock',
      messages: [{ role: 'user', content: 'again' }],
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _ of stream) void _;
    }, OpenAI.APIError);
  });

  it('ends a stream whose upstream goes silent with a timeout error event', async () => {
    behaviour.stallAfterFrames = 3;
    const started = Date.now();
    const res = await gw.post('/v1/chat/completions', {
      model: 'claude-tight',
      messages: [{ role: 'user', content: 'stall please' }],
      stream: true,
    });
    assert.equal(res.status, 200);
    const events = String(res.json).split('\n\n').filter(Boolean);
    assert.ok(events.length >= 2, 'the first chunks were sent');
    assert.equal(JSON.parse(events[events.length - 1].slice(6)).error.code, 'upstream_timeout');
    assert.ok(Date.now() - started < 5_000);
  });

  it('closes the upstream stream when the caller goes away', async () => {
    behaviour.stallAfterFrames = 3;
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-bedrock', messages: [{ role: 'user', content: 'then hang up' }], stream: true }),
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    for (let i = 0; i < 50 && !behaviour.stalledClosed; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(behaviour.stalledClosed, true);
    // The abandoned request is still accounted for, as 499 (the caller closed the request).
    let rows: Record<string, unknown>[] = [];
    for (let i = 0; i < 50 && rows.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      await gw.gateway.usage.flush();
      rows = await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'openai-chat' AND status = 499");
    }
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].alias, rows[0].provider], ['claude-bedrock', 'bedrock']);
  });

  it('embeds with Titan v2 one input per call (order kept, tokens summed) and Cohere v3 in batches', async () => {
    reset();
    const inputs = ['first text here', 'second', 'the third one'];
    const titan = await client.embeddings.create({ model: 'titan-embed', input: inputs, dimensions: 256, encoding_format: 'float' });
    assert.equal(titan.model, 'titan-embed');
    for (const [i, d] of titan.data.entries()) assert.deepEqual(d.embedding, fakeEmbedding(inputs[i], 256));
    assert.equal(titan.usage.prompt_tokens, 7);
    assert.equal(bedrock.accepted.length, 3);
    allSigned();

    reset();
    const many = Array.from({ length: 150 }, (_, i) => `doc ${i}`);
    const cohere = await client.embeddings.create({ model: 'cohere-embed', input: many });
    assert.equal(cohere.data.length, 150);
    for (const [i, d] of cohere.data.entries()) assert.deepEqual(d.embedding, fakeEmbedding(`search_document:${many[i]}`, 16));
    assert.equal(cohere.usage.prompt_tokens, 300);
    assert.deepEqual(
      bedrock.accepted.map((r) => r.json.texts.length).sort((a, b) => a - b),
      [54, 96],
    );
    const query = await gw.post('/v1/embeddings', { model: 'cohere-embed', input: 'q', input_type: 'search_query' });
    assert.deepEqual(query.json.data[0].embedding, fakeEmbedding('search_query:q', 16));
  });
});
