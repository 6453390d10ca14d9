import type { FastifyInstance } from 'fastify';
import { invalidRequest } from '../../../errors/gateway-error.js';
import { parseRerankBody } from '../../rerank/parse.js';
import { renderRerank } from '../../rerank/render.js';
import { limitsOf, requireObject, useErrorShape, type DialectOptions } from '../shared.js';

/**
 * `/cohere/v1/rerank` and `/cohere/v2/rerank`: Cohere's own API, so a Cohere client only
 * changes its base URL. Requests and answers are the unified ones (a Cohere superset);
 * errors use Cohere's `{id, message}`; v2 keeps its stricter string-only documents.
 */
export async function cohereDialect(app: FastifyInstance, options: DialectOptions): Promise<void> {
  const limits = limitsOf(options.config);
  // Cohere's error body is `{"id"?, "message"}`; the id is Rankway's request id.
  useErrorShape(app, options.logger, (err, request) => ({ id: request.id, message: err.message }));
  for (const version of ['1', '2'] as const) {
    app.post(`/v${version}/rerank`, async (request) => {
      request.ctx.surface = `cohere-v${version}`;
      const body = requireObject(request.body);
      if (version === '2' && Array.isArray(body.documents)) {
        const i = body.documents.findIndex((d) => typeof d !== 'string');
        if (i >= 0) throw invalidRequest(`documents[${i}] must be a string in the v2 API`, `documents[${i}]`);
      }
      const result = await options.rerank.rerank(parseRerankBody(body, limits), request.ctx);
      return renderRerank(result, version);
    });
  }
}
