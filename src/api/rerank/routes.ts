import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import type { OpenApiRegistry } from '../openapi/registry.js';
import { parseRerankBody, type RerankLimits } from './parse.js';
import { isRawJsonInput, parseRawRerankBody } from './raw-parse.js';
import { renderRerank, renderRerankJson } from './render.js';
import { rerankRequestSchema, rerankResponseSchema } from './schema.js';

export interface RerankRoutesOptions {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
  readonly openapi?: OpenApiRegistry;
}

const RERANK_ERRORS = [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const;

/** `POST /v1/rerank` (unified, Cohere v1 compatible) and `POST /v2/rerank` (Cohere v2). */
export function registerRerankRoutes(app: FastifyInstance, options: RerankRoutesOptions): void {
  const limits: RerankLimits = {
    maxDocuments: options.config.server.max_documents,
    maxDocumentChars: options.config.server.max_document_chars,
  };
  for (const [path, version] of [
    ['/v1/rerank', '1'],
    ['/v2/rerank', '2'],
  ] as const) {
    options.openapi?.add({
      method: 'post',
      path,
      server: 'proxy',
      tags: ['rerank'],
      summary: version === '1' ? 'Rerank documents (unified API, Cohere v1 compatible)' : 'Rerank documents (Cohere v2 compatible)',
      description:
        'Orders documents by relevance to the query. `model` is an alias from the config or `provider/model`. ' +
        'Large requests are chunked and merged; retries and fallbacks follow the config.',
      request: { name: 'RerankRequest', schema: rerankRequestSchema },
      response: { name: 'RerankResponse', schema: rerankResponseSchema },
      errors: RERANK_ERRORS,
    });
    // The body arrives unparsed: string documents stay raw JSON bytes from here to the upstream and back.
    app.post(path, { bodyLimit: options.config.server.body_limit_bytes, config: { rawJsonBody: true } }, async (request, reply) => {
      const ctx = request.ctx;
      // Rerank Lab runs tag their calls, so usage and metrics tell evaluation from traffic.
      ctx.surface = request.headers['x-rankway-eval-run'] !== undefined ? 'eval' : version === '1' ? 'rerank' : 'cohere-v2';
      const body = request.body;
      const canonical = isRawJsonInput(body)
        ? (parseRawRerankBody(body, limits) ?? parseRerankBody(body.parse(), limits))
        : parseRerankBody(body, limits);
      const result = await options.rerank.rerank(canonical, ctx);
      if (canonical.raw && canonical.returnDocuments) {
        // Documents go back as the bytes they came in; the rest is the usual rendering.
        reply.type('application/json; charset=utf-8');
        return renderRerankJson(result, version, { upstreamModel: true });
      }
      return renderRerank(result, version, { upstreamModel: true });
    });
  }
}
