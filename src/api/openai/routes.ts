import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../../config/load.js';
import type { ChatService } from '../../core/chat/service.js';
import type { EmbeddingsService } from '../../core/embeddings/service.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Logger } from '../../observability/log.js';
import type { ChatRequest } from '../../canonical/chat.js';
import { catalogue, modelsFor } from './models.js';
import type { RoutingTable } from '../../core/router.js';
import { parseChatBody, parseCompletionBody, parseEmbeddingsBody } from './parse.js';
import { renderChatCompletion, renderEmbeddings, renderTextCompletion, type AnswerMeta } from './render.js';
import { SseRenderer, sseBody, type StreamShape } from './sse.js';

export interface OpenAiRoutesOptions {
  readonly config: GatewayConfig;
  /** The current routing table, for `/v1/models` (aliases change at run time). */
  readonly routing: () => RoutingTable;
  readonly chat: ChatService;
  readonly embeddings: EmbeddingsService;
  readonly logger: Logger;
}

/** The OpenAI-compatible surface: chat completions, legacy completions, embeddings, models. */
export function registerOpenAiRoutes(app: FastifyInstance, options: OpenAiRoutesOptions): void {
  const { chat, logger } = options;
  let listed: { table: RoutingTable; models: ReturnType<typeof catalogue> } | undefined;
  const currentModels = (): ReturnType<typeof catalogue> => {
    const table = options.routing();
    if (listed?.table !== table) listed = { table, models: catalogue(table) };
    return listed.models;
  };
  const bootTime = Math.floor(Date.now() / 1000);

  async function answer(request: FastifyRequest, reply: FastifyReply, canonical: ChatRequest, shape: StreamShape): Promise<unknown> {
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
      if (!reply.raw.writableFinished) abort.abort();
    });
    const stream = await chat.stream(canonical, ctx, abort.signal);
    const renderer = new SseRenderer(meta, shape, canonical.includeUsage);
    const body = sseBody(stream, renderer, (err: GatewayError) => {
      logger.warn({ requestId: ctx.requestId, code: err.code, upstreamCode: err.upstreamCode, detail: err.detail ?? err.message }, 'stream failed after the first byte');
    });
    reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache');
    return reply.send(body);
  }

  app.post('/v1/chat/completions', async (request, reply) => {
    request.ctx.surface = 'openai-chat';
    return answer(request, reply, parseChatBody(request.body), 'chat');
  });

  app.post('/v1/completions', async (request, reply) => {
    request.ctx.surface = 'openai-completions';
    return answer(request, reply, parseCompletionBody(request.body), 'text');
  });

  app.post('/v1/embeddings', async (request) => {
    const ctx = request.ctx;
    ctx.surface = 'openai-embeddings';
    const canonical = parseEmbeddingsBody(request.body);
    const result = await options.embeddings.embed(canonical, ctx);
    return renderEmbeddings(result, canonical.model, canonical.encoding);
  });

  app.get('/v1/models', async (request) => {
    return modelsFor(request.ctx.caller, currentModels(), bootTime);
  });
}
