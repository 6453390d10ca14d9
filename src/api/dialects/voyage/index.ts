import { z } from 'zod';
import type { RerankRequest, RerankResult } from '../../../canonical/rerank.js';
import { toDocuments, type RerankLimits } from '../../rerank/parse.js';
import { rerankRequestSchema } from '../../rerank/schema.js';
import { dialectSurface, limitCount, limitsOf, parseWith, rankedList, totalTokens } from '../shared.js';

const unified = rerankRequestSchema.shape;

/** Voyage's rerank body: string documents, `top_k`, `return_documents` off by default. */
export const voyageRequestSchema = z.looseObject({
  model: unified.model,
  query: unified.query,
  documents: rankedList('documents', z.string({ error: 'documents must be strings' })),
  top_k: z.number({ error: 'top_k must be an integer' }).int('top_k must be an integer').min(1, 'top_k must be at least 1').optional(),
  return_documents: z.boolean({ error: 'return_documents must be a boolean' }).optional(),
  truncation: z.boolean({ error: 'truncation must be a boolean' }).optional(),
  fallbacks: unified.fallbacks,
  cache: unified.cache,
});

export function parseVoyage(body: unknown, limits: RerankLimits): RerankRequest {
  const b = parseWith(voyageRequestSchema, body);
  limitCount('documents', b.documents.length, limits);
  return {
    model: b.model,
    query: b.query,
    documents: toDocuments(b.documents, undefined, limits.maxDocumentChars),
    topN: b.top_k,
    returnDocuments: b.return_documents ?? false,
    fallbacks: b.fallbacks,
    cache: b.cache,
  };
}

/** `{object: "list", data: [{index, relevance_score, document?: string}], model, usage}`. */
export function renderVoyage(result: RerankResult): Record<string, unknown> {
  return {
    object: 'list',
    data: result.results.map((r) =>
      r.document ? { index: r.index, relevance_score: r.score, document: r.document.text } : { index: r.index, relevance_score: r.score },
    ),
    model: result.modelRequested,
    usage: { total_tokens: totalTokens(result) },
  };
}

/** `/voyage/v1/rerank`: Voyage AI's API, errors as `{"detail": "..."}`. */
export const voyageSurface = dialectSurface({
  name: 'voyage',
  prefix: '/voyage',
  errorsText: '`{"detail"}`',
  render: (err) => ({ detail: err.message }),
  routes: [
    {
      path: '/v1/rerank',
      vendor: 'Voyage AI',
      request: { name: 'VoyageRerankRequest', schema: voyageRequestSchema },
      handler: ({ config, rerank }) => {
        const limits = limitsOf(config);
        return async (request) => {
          request.ctx.surface = 'voyage';
          return renderVoyage(await rerank.rerank(parseVoyage(request.body, limits), request.ctx));
        };
      },
    },
  ],
});
