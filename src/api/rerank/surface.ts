import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import type { FeedbackLedger } from '../../core/rerank/feedback.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface, type SurfaceRoute } from '../surface.js';
import { parseRerankBody, type RerankLimits } from './parse.js';
import { feedbackRoute } from './feedback.js';
import { isRawJsonInput, parseRawRerankBody } from './raw-parse.js';
import { renderRerank, renderRerankJson } from './render.js';
import { rerankRequestSchema, rerankResponseSchema } from './schema.js';

export interface RerankSurfaceDeps {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
  readonly feedback: FeedbackLedger;
}

const ERRORS = [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const;

function rerankRoute(version: '1' | '2'): SurfaceRoute<RerankSurfaceDeps> {
  return {
    method: 'post',
    path: `/v${version}/rerank`,
    doc: {
      summary: version === '1' ? 'Rerank documents (unified API, Cohere v1 compatible)' : 'Rerank documents (Cohere v2 compatible)',
      description:
        'Orders documents by relevance to the query. `model` is an alias from the config or `provider/model`. ' +
        'Large requests are chunked and merged; retries and fallbacks follow the config.',
      request: { name: 'RerankRequest', schema: rerankRequestSchema },
      response: { name: 'RerankResponse', schema: rerankResponseSchema },
      errors: ERRORS,
    },
    // The body arrives unparsed: string documents stay raw JSON bytes from here to the upstream and back.
    rawJsonBody: true,
    handler: ({ config, rerank }) => {
      const limits: RerankLimits = { maxDocuments: config.server.max_documents, maxDocumentChars: config.server.max_document_chars };
      const surface = version === '1' ? 'rerank' : 'cohere-v2';
      return async (request, reply) => {
        const ctx = request.ctx;
        // Rerank Lab runs tag their calls, so usage and metrics tell evaluation from traffic.
        ctx.surface = request.headers['x-rankway-eval-run'] !== undefined ? 'eval' : surface;
        const body = request.body;
        const canonical = isRawJsonInput(body)
          ? (parseRawRerankBody(body, limits) ?? parseRerankBody(body.parse(), limits))
          : parseRerankBody(body, limits);
        const result = await rerank.rerank(canonical, ctx);
        if (canonical.raw && canonical.returnDocuments) {
          // Documents go back as the bytes they came in; the rest is the usual rendering.
          reply.type('application/json; charset=utf-8');
          return renderRerankJson(result, version, { upstreamModel: true });
        }
        return renderRerank(result, version, { upstreamModel: true });
      };
    },
  };
}

/** `POST /v1/rerank` (unified, Cohere v1 compatible) and `POST /v2/rerank` (Cohere v2). */
export const rerankSurface = defineSurface<RerankSurfaceDeps>({
  name: 'rerank',
  listener: 'proxy',
  body: { kind: 'json' },
  auth: 'key',
  errors: openAiErrors,
  tags: ['rerank'],
  routes: [rerankRoute('1'), rerankRoute('2'), feedbackRoute],
});
