import { invalidRequest } from '../../../errors/gateway-error.js';
import { parseRerankBody } from '../../rerank/parse.js';
import { renderRerank } from '../../rerank/render.js';
import { rerankRequestSchema } from '../../rerank/schema.js';
import { dialectSurface, limitsOf, requireObject, type DialectRoute } from '../shared.js';

function cohereRoute(version: '1' | '2'): DialectRoute {
  return {
    path: `/v${version}/rerank`,
    vendor: `Cohere v${version}`,
    request: { name: 'RerankRequest', schema: rerankRequestSchema },
    handler: ({ config, rerank }) => {
      const limits = limitsOf(config);
      return async (request) => {
        request.ctx.surface = `cohere-v${version}`;
        const body = requireObject(request.body);
        if (version === '2' && Array.isArray(body.documents)) {
          const i = body.documents.findIndex((d) => typeof d !== 'string');
          if (i >= 0) throw invalidRequest(`documents[${i}] must be a string in the v2 API`, `documents[${i}]`);
        }
        const result = await rerank.rerank(parseRerankBody(body, limits), request.ctx);
        return renderRerank(result, version);
      };
    },
  };
}

/**
 * `/cohere/v1/rerank` and `/cohere/v2/rerank`: Cohere's own API, so a Cohere client only
 * changes its base URL. Requests and answers are the unified ones (a Cohere superset);
 * errors use Cohere's `{id, message}` (the id is Rankway's request id); v2 keeps its
 * stricter string-only documents.
 */
export const cohereSurface = dialectSurface({
  name: 'cohere',
  prefix: '/cohere',
  errorsText: '`{"id", "message"}`',
  render: (err, request) => ({ id: request.id, message: err.message }),
  routes: [cohereRoute('1'), cohereRoute('2')],
});
