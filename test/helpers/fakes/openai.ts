import type { ServerResponse } from 'node:http';
import { sendJson, startFake, type FakeServer, type RecordedRequest } from '../fake-server.js';
import { fakeEmbedding, pieces, scriptedAnswer } from './chat-script.js';

export interface FakeOpenAiOptions {
  readonly apiKey?: string;
  /** Azure flavour: `/openai/deployments/{d}/...?api-version=...` with an `api-key` header. */
  readonly azureApiVersion?: string;
}

export interface FakeOpenAi extends FakeServer {
  /** When set, the next requests get this status and an OpenAI error body. */
  failWith?: { status: number; times: number };
}

const errorBody = (message: string, type: string, code: string | null = null) => ({ error: { message, type, param: null, code } });

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (p?.type === 'text' ? p.text : '')).join('');
  return '';
}

/** OpenAI's chat completions and embeddings API, checking auth the way OpenAI and Azure do. */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const fake = (await startFake(() => undefined)) as FakeOpenAi;
  fake.handler = (req, res) => handle(fake, options, req, res);
  return fake;
}

function handle(fake: FakeOpenAi, options: FakeOpenAiOptions, req: RecordedRequest, res: ServerResponse): void {
  if (options.apiKey !== undefined) {
    const presented = options.azureApiVersion ? req.headers['api-key'] : req.headers.authorization?.replace(/^Bearer /, '');
    if (presented !== options.apiKey) {
      sendJson(res, 401, errorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key'));
      return;
    }
  }
  if (fake.failWith && fake.failWith.times > 0) {
    fake.failWith.times--;
    const status = fake.failWith.status;
    sendJson(
      res,
      status,
      errorBody(`fake failure ${status}`, status === 429 ? 'requests' : 'server_error'),
      status === 429 ? { 'retry-after': '0' } : {},
    );
    return;
  }
  const url = new URL(req.path, 'http://fake');
  let operation = url.pathname.replace(/^\/v1\//, '/');
  if (options.azureApiVersion) {
    if (url.searchParams.get('api-version') !== options.azureApiVersion) {
      sendJson(res, 404, errorBody('Resource not found', 'invalid_request_error'));
      return;
    }
    const m = /^\/openai\/deployments\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (!m) {
      sendJson(res, 404, errorBody('Resource not found', 'invalid_request_error'));
      return;
    }
    operation = m[2];
  }
  const b = req.json;
  if (operation === '/chat/completions') {
    chat(b, res);
    return;
  }
  if (operation === '/embeddings') {
    embeddings(b, res);
    return;
  }
  sendJson(res, 404, errorBody(`Unknown path ${url.pathname}`, 'invalid_request_error'));
}

function chat(b: any, res: ServerResponse): void {
  if (!b || typeof b.model !== 'string' || !Array.isArray(b.messages) || b.messages.length === 0) {
    sendJson(res, 400, errorBody('messages is required', 'invalid_request_error'));
    return;
  }
  const last = b.messages[b.messages.length - 1];
  const lastUser = textOf([...b.messages].reverse().find((m: any) => m.role === 'user')?.content);
  const answer = scriptedAnswer({
    lastUser,
    toolNames: (b.tools ?? []).map((t: any) => t.function.name),
    toolResult: last.role === 'tool' ? textOf(last.content) : undefined,
    allText: b.messages.map((m: any) => textOf(m.content)).join(' '),
  });
  const usage = {
    prompt_tokens: answer.promptTokens,
    completion_tokens: answer.completionTokens,
    total_tokens: answer.promptTokens + answer.completionTokens,
  };
  const toolCalls = answer.toolCall
    ? [{ id: 'call_fake01', type: 'function', function: { name: answer.toolCall.name, arguments: JSON.stringify(answer.toolCall.input) } }]
    : undefined;
  const finish = toolCalls ? 'tool_calls' : 'stop';
  const base = { id: 'chatcmpl-fake', created: 1730000000, model: `${b.model}-2024-07-18`, system_fingerprint: 'fp_fake' };
  if (!b.stream) {
    sendJson(res, 200, {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: answer.text ?? null, refusal: null, tool_calls: toolCalls },
          logprobs: null,
          finish_reason: finish,
        },
      ],
      usage,
    });
    return;
  }
  const withUsage = b.stream_options?.include_usage === true;
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    res.write(
      `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...(withUsage ? { usage: null } : {}), ...extra })}\n\n`,
    );
  send([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (answer.text) for (const p of pieces(answer.text)) send([{ index: 0, delta: { content: p }, finish_reason: null }]);
  if (answer.toolCall) {
    const args = JSON.stringify(answer.toolCall.input);
    send([
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, id: 'call_fake01', type: 'function', function: { name: answer.toolCall.name, arguments: '' } }] },
        finish_reason: null,
      },
    ]);
    for (const p of pieces(args, 5))
      send([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: p } }] }, finish_reason: null }]);
  }
  send([{ index: 0, delta: {}, finish_reason: finish }]);
  if (withUsage) send([], { usage });
  res.end('data: [DONE]\n\n');
}

function embeddings(b: any, res: ServerResponse): void {
  const inputs: string[] = typeof b?.input === 'string' ? [b.input] : b?.input;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    sendJson(res, 400, errorBody('input is required', 'invalid_request_error'));
    return;
  }
  const dims = b.dimensions ?? 8;
  const tokens = inputs.reduce((n, t) => n + t.split(/\s+/).length, 0);
  sendJson(res, 200, {
    object: 'list',
    data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, dims) })),
    model: b.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}
