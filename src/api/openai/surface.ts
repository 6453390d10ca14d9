import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChatService } from '../../core/chat/service.js';
import type { EmbeddingsService } from '../../core/embeddings/service.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ChatRequest } from '../../canonical/chat.js';
import { catalogue, modelsFor } from './models.js';
import type { RoutingTable } from '../../core/router.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';
import { chatCompletionSchema, embeddingsResponseSchema, modelListSchema, textCompletionSchema } from './response-schema.js';
import { chatRequestSchema, completionRequestSchema, embeddingsRequestSchema } from './schema.js';
import { parseChatBody, parseCompletionBody, parseEmbeddingsBody } from './parse.js';
import { renderChatCompletion, renderEmbeddings, renderTextCompletion, type AnswerMeta } from './render.js';
import { SseRenderer, writeSse, type StreamShape } from './sse.js';

export interface OpenAiSurfaceDeps {
  /** The current routing table, for `/v1/models` (aliases change at run time). */
  readonly routing: () => RoutingTable;
  readonly chat: ChatService;
  readonly embeddings: EmbeddingsService;
}

const ERRORS = [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const;
const stream = (object: string): string =>
  `Server-Sent Events: one \`data: {...}\` \`${object}\` per delta, a final usage chunk when \`stream_options.include_usage\` is set, ` +
  'then `data: [DONE]`. A failure after the first event arrives as one `data: {"error": {...}}` event and the stream ends.';

const fallbacks =
  ' `fallbacks` (up to 5 models) extends the routing for this request; fields Rankway does not model pass through to the provider.';

/**
 * A chat answer: one JSON body, or Server-Sent Events written straight to the socket (no
 * stream object in between); Fastify still runs the onResponse hooks (access log, metrics,
 * usage) when the response finishes.
 */
async function answer(
  chat: ChatService,
  request: FastifyRequest,
  reply: FastifyReply,
  canonical: ChatRequest,
  shape: StreamShape,
): Promise<unknown> {
  const ctx = request.ctx;
  const meta: AnswerMeta = {
    id: `${shape === 'chat' ? 'chatcmpl' : 'cmpl'}-${ctx.requestId}`,
    created: Math.floor(Date.now() / 1000),
    model: canonical.model,
  };
  if (!canonical.stream) {
    const { result } = await chat.complete(canonical, ctx);
    return shape === 'chat' ? renderChatCompletion(result, meta) : renderTextCompletion(result, meta);
  }
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) return;
    abort.abort();
    request.server.settleAbandoned(request, reply);
  });
  const stream = await chat.stream(canonical, ctx, abort.signal);
  const renderer = new SseRenderer(meta, shape, canonical.includeUsage);
  reply.hijack();
  request.server.recordUsageBeforeEnd(request, reply);
  const headers = {
    ...(reply.getHeaders() as Record<string, string | number | string[]>),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  };
  writeSse(reply.raw, headers, stream, renderer, (err: GatewayError) => {
    ctx.log.warn(
      { code: err.code, upstreamCode: err.upstreamCode, detail: err.detail ?? err.message },
      'stream failed after the first byte',
    );
  });
  return reply;
}

/** The OpenAI-compatible surface: chat completions, legacy completions, embeddings, models. */
export const openAiSurface = defineSurface<OpenAiSurfaceDeps>({
  name: 'openai',
  listener: 'proxy',
  body: { kind: 'json' },
  auth: 'key',
  errors: openAiErrors,
  tags: ['openai'],
  routes: [
    {
      method: 'post',
      path: '/v1/chat/completions',
      doc: {
        summary: 'Chat completion (OpenAI compatible)',
        description: "`model` is an alias or `provider/model`; Rankway translates to the provider's own API." + fallbacks,
        request: { name: 'ChatCompletionRequest', schema: chatRequestSchema },
        response: { name: 'ChatCompletion', schema: chatCompletionSchema },
        stream: stream('chat.completion.chunk'),
        errors: ERRORS,
      },
      handler:
        ({ chat }) =>
        async (request, reply) => {
          request.ctx.surface = 'openai-chat';
          return answer(chat, request, reply, parseChatBody(request.body), 'chat');
        },
    },
    {
      method: 'post',
      path: '/v1/completions',
      doc: {
        summary: 'Legacy text completion (OpenAI compatible)',
        description: 'The prompt runs as one user message on the chat path.' + fallbacks,
        request: { name: 'CompletionRequest', schema: completionRequestSchema },
        response: { name: 'TextCompletion', schema: textCompletionSchema },
        stream: stream('text_completion'),
        errors: ERRORS,
      },
      handler:
        ({ chat }) =>
        async (request, reply) => {
          request.ctx.surface = 'openai-completions';
          return answer(chat, request, reply, parseCompletionBody(request.body), 'text');
        },
    },
    {
      method: 'post',
      path: '/v1/embeddings',
      doc: {
        summary: 'Embeddings (OpenAI compatible)',
        description: 'Vectors as float arrays, or base64 little-endian float32 with `encoding_format: base64`.' + fallbacks,
        request: { name: 'EmbeddingsRequest', schema: embeddingsRequestSchema },
        response: { name: 'EmbeddingsResponse', schema: embeddingsResponseSchema },
        errors: ERRORS,
      },
      handler:
        ({ embeddings }) =>
        async (request) => {
          const ctx = request.ctx;
          ctx.surface = 'openai-embeddings';
          const canonical = parseEmbeddingsBody(request.body);
          const result = await embeddings.embed(canonical, ctx);
          return renderEmbeddings(result, canonical.model, canonical.encoding);
        },
    },
    {
      method: 'get',
      path: '/v1/models',
      doc: {
        summary: 'Models this key may use: aliases and `provider/model` of providers with a fixed model list',
        response: { name: 'ModelList', schema: modelListSchema },
        errors: [401],
      },
      handler: ({ routing }) => {
        // The catalogue is rebuilt only when the routing table is swapped.
        let listed: { table: RoutingTable; models: ReturnType<typeof catalogue> } | undefined;
        const bootTime = Math.floor(Date.now() / 1000);
        return async (request) => {
          const table = routing();
          if (listed?.table !== table) listed = { table, models: catalogue(table) };
          return modelsFor(request.ctx.caller, listed.models, bootTime);
        };
      },
    },
  ],
});
