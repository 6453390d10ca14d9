import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fakes/openai.js';
import { fakeEmbedding } from '../helpers/fakes/chat-script.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const CALLER_KEY = 'rk-test-caller';
const LIMITED_KEY = 'rk-test-limited';

describe('openai SDK -> Rankway -> OpenAI-compatible upstreams', () => {
  let openai: FakeOpenAi;
  let azure: FakeOpenAi;
  let gw: RunningGateway;
  let client: OpenAI;

  before(async () => {
    openai = await startFakeOpenAi({ apiKey: 'sk-upstream' });
    azure = await startFakeOpenAi({ apiKey: 'azure-key', azureApiVersion: '2024-10-21' });
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [
          { name: 'app', key_sha256: sha256Hex(CALLER_KEY) },
          { name: 'limited', key_sha256: sha256Hex(LIMITED_KEY), allowed_models: ['gpt'] },
        ],
      },
      providers: [
        { name: 'oai', type: 'openai', api_key: 'sk-upstream', base_url: `${openai.url}/v1`, max_retries: 1 },
        { name: 'az', type: 'openai', api_key: 'azure-key', base_url: azure.url, azure: { api_version: '2024-10-21' } },
      ],
      models: [
        { name: 'gpt', target: 'oai/gpt-4o-mini' },
        { name: 'azure-gpt', target: 'az/my-deployment' },
        { name: 'embed', target: 'oai/text-embedding-3-small' },
      ],
    });
    client = new OpenAI({ apiKey: CALLER_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await openai.close();
    await azure.close();
  });

  it('answers a chat completion with the model rewritten upstream and the alias in the answer', async () => {
    openai.requests.length = 0;
    const res = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hello there' }],
      max_completion_tokens: 50,
      top_k: 5,
    } as any);
    assert.equal(res.model, 'gpt');
    assert.equal(res.object, 'chat.completion');
    assert.equal(res.choices[0].message.content, 'You said: hello there');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.equal(res.usage?.total_tokens, res.usage!.prompt_tokens + res.usage!.completion_tokens);
    const sent = openai.requests[0];
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.json.model, 'gpt-4o-mini');
    assert.equal(sent.json.max_completion_tokens, 50);
    assert.equal(sent.json.top_k, 5, 'unknown fields pass through');
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream');
  });

  it('streams the same answer as SSE with a final usage chunk when asked', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'stream this please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    const models = new Set<string>();
    for await (const chunk of stream) {
      models.add(chunk.model);
      if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'You said: stream this please');
    assert.equal(finish, 'stop');
    assert.deepEqual([...models], ['gpt']);
    assert.ok(usage && usage.completion_tokens > 0);
  });

  it('streams a long answer in order to a caller that reads slowly (backpressure, nothing lost)', async () => {
    // ~19,000 events (about 4 MB of SSE): more than the sockets buffer, so Rankway has to
    // stop reading the upstream while the caller is not reading, and pick up again.
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i}`).join(' ');
    const stream = await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: words }], stream: true });
    let text = '';
    let events = 0;
    for await (const chunk of stream) {
      events++;
      if (events % 2500 === 0) await new Promise((r) => setTimeout(r, 50));
      if (chunk.choices[0]?.delta?.content) text += chunk.choices[0].delta.content;
    }
    assert.equal(text, `You said: ${words}`);
    assert.ok(events > 15_000);
  });

  it('reaches Azure OpenAI with the api-key header, deployment path and api-version', async () => {
    azure.requests.length = 0;
    const res = await client.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'hi azure' }] });
    assert.equal(res.choices[0].message.content, 'You said: hi azure');
    assert.equal(azure.requests[0].path, '/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21');
    assert.equal(azure.requests[0].headers['api-key'], 'azure-key');
    assert.equal(azure.requests[0].headers.authorization, undefined);
  });

  it('completes a tool-call round trip, streamed', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      },
    ];
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Lyon?' }];
    const stream = await client.chat.completions.create({ model: 'gpt', messages, tools, stream: true });
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
    assert.equal(calls.length, 1);
    assert.deepEqual(JSON.parse(calls[0].args), { city: 'Lyon' });
    messages.push({
      role: 'assistant',
      content: null,
      tool_calls: [{ id: calls[0].id, type: 'function', function: { name: calls[0].name, arguments: calls[0].args } }],
    });
    messages.push({ role: 'tool', tool_call_id: calls[0].id, content: '18C and sunny' });
    const final = await client.chat.completions.create({ model: 'gpt', messages, tools });
    assert.equal(final.choices[0].message.content, 'The tool said: 18C and sunny');
  });

  it('maps a prompt on /v1/completions onto chat', async () => {
    const res = await client.completions.create({ model: 'gpt', prompt: 'complete me' });
    assert.equal(res.object, 'text_completion');
    assert.equal(res.model, 'gpt');
    assert.equal(res.choices[0].text, 'You said: complete me');
  });

  it('returns embeddings in order, as floats or little-endian float32 base64', async () => {
    const inputs = ['alpha beta', 'gamma', 'delta epsilon zeta'];
    const floats = await client.embeddings.create({ model: 'embed', input: inputs, encoding_format: 'float' });
    assert.equal(floats.model, 'embed');
    for (const [i, d] of floats.data.entries()) assert.deepEqual(d.embedding, fakeEmbedding(inputs[i]));
    assert.equal(floats.usage.prompt_tokens, 6);
    // The SDK asks for base64 by default and decodes it back to numbers.
    const decoded = await client.embeddings.create({ model: 'embed', input: inputs });
    for (const [i, d] of decoded.data.entries()) assert.deepEqual(d.embedding, fakeEmbedding(inputs[i]));
    const raw = await gw.post(
      '/v1/embeddings',
      { model: 'embed', input: 'gamma', encoding_format: 'base64' },
      { authorization: `Bearer ${CALLER_KEY}` },
    );
    const bytes = Buffer.from(raw.json.data[0].embedding, 'base64');
    assert.equal(bytes.readFloatLE(0), fakeEmbedding('gamma')[0]);
  });

  it('lists only the models the key may use', async () => {
    const all = (await client.models.list()).data.map((m) => m.id).sort();
    assert.deepEqual(all, ['azure-gpt', 'embed', 'gpt', 'local/bm25']);
    const limited = new OpenAI({ apiKey: LIMITED_KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    assert.deepEqual(
      (await limited.models.list()).data.map((m) => m.id),
      ['gpt'],
    );
    await assert.rejects(
      limited.chat.completions.create({ model: 'azure-gpt', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.PermissionDeniedError,
    );
  });

  it('raises the SDK error classes: 401 AuthenticationError, 429 RateLimitError with x-should-retry false, 400 BadRequestError', async () => {
    const stranger = new OpenAI({ apiKey: 'wrong', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await assert.rejects(
      stranger.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.AuthenticationError,
    );

    openai.failWith = { status: 429, times: 5 };
    const err = await client.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    openai.failWith = undefined;
    assert.ok(err instanceof OpenAI.RateLimitError, String(err));
    assert.equal(err.headers.get('x-should-retry'), 'false');

    await assert.rejects(
      client.chat.completions.create({ model: 'gpt', messages: [] }),
      (e: any) => e instanceof OpenAI.BadRequestError && e.param === 'messages',
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
      OpenAI.NotFoundError,
    );
  });
});
