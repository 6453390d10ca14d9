import type { FastifyInstance } from 'fastify';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import { parseRerankBody, type RerankLimits } from './parse.js';
import { renderRerank } from './render.js';

export interface RerankRoutesOptions {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
}

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
    app.post(path, async (request) => {
      const ctx = request.ctx;
      ctx.surface = version === '1' ? 'rerank' : 'cohere-v2';
      const canonical = parseRerankBody(request.body, limits);
      const result = await options.rerank.rerank(canonical, ctx);
      return renderRerank(result, version);
    });
  }
}
