import { z } from 'zod';
import type { RerankRequest, RerankResult } from '../../../canonical/rerank.js';
import { toDocuments, type RerankLimits } from '../../rerank/parse.js';
import { rerankDocumentSchema, rerankRequestSchema } from '../../rerank/schema.js';
import { dialectSurface, limitCount, limitsOf, parseWith, rankedList, totalTokens } from '../shared.js';

const unified = rerankRequestSchema.shape;

/** Jina's rerank body: Cohere-like; documents are strings or `{text}` objects. */
export const jinaRequestSchema = z.looseObject({
  model: unified.model,
  query: unified.query,
  documents: rankedList('documents', rerankDocumentSchema),
  top_n: unified.top_n,
  return_documents: unified.return_documents,
  fallbacks: unified.fallbacks,
  cache: unified.cache,
});

export function parseJina(body: unknown, limits: RerankLimits): RerankRequest {
  const b = parseWith(jinaRequestSchema, body);
  limitCount('documents', b.documents.length, limits);
  return {
    model: b.model,
    query: b.query,
    documents: toDocuments(b.documents, undefined, limits.maxDocumentChars),
    topN: b.top_n,
    // Jina echoes documents unless told not to.
    returnDocuments: b.return_documents ?? true,
    fallbacks: b.fallbacks,
    cache: b.cache,
  };
}

/** `{model, usage: {total_tokens, prompt_tokens}, results: [{index, relevance_score, document?: {text}}]}`. */
export function renderJina(result: RerankResult): Record<string, unknown> {
  const tokens = totalTokens(result);
  return {
    model: result.modelRequested,
    usage: { total_tokens: tokens, prompt_tokens: result.usage.inputTokens },
    results: result.results.map((r) =>
      r.document
        ? { index: r.index, relevance_score: r.score, document: { text: r.document.text } }
        : { index: r.index, relevance_score: r.score },
    ),
  };
}

/** `/jina/v1/rerank`: Jina AI's API, errors as `{"detail": "..."}`. */
export const jinaSurface = dialectSurface({
  name: 'jina',
  prefix: '/jina',
  errorsText: '`{"detail"}`',
  render: (err) => ({ detail: err.message }),
  routes: [
    {
      path: '/v1/rerank',
      vendor: 'Jina AI',
      request: { name: 'JinaRerankRequest', schema: jinaRequestSchema },
      handler: ({ config, rerank }) => {
        const limits = limitsOf(config);
        return async (request) => {
          request.ctx.surface = 'jina';
          return renderJina(await rerank.rerank(parseJina(request.body, limits), request.ctx));
        };
      },
    },
  ],
});
