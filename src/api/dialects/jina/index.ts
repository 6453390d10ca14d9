import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RerankRequest, RerankResult } from '../../../canonical/rerank.js';
import { toDocuments, type RerankLimits } from '../../rerank/parse.js';
import { rerankDocumentSchema, rerankRequestSchema } from '../../rerank/schema.js';
import { limitCount, limitsOf, parseWith, rankedList, totalTokens, useErrorShape, type DialectOptions } from '../shared.js';

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
export async function jinaDialect(app: FastifyInstance, options: DialectOptions): Promise<void> {
  const limits = limitsOf(options.config);
  useErrorShape(app, options.logger, (err) => ({ detail: err.message }));
  app.post('/v1/rerank', async (request) => {
    request.ctx.surface = 'jina';
    const result = await options.rerank.rerank(parseJina(request.body, limits), request.ctx);
    return renderJina(result);
  });
}
