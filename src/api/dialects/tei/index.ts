import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RerankRequest, RerankResult } from '../../../canonical/rerank.js';
import type { GatewayConfig } from '../../../config/load.js';
import { invalidRequest, type GatewayError } from '../../../errors/gateway-error.js';
import { toDocuments, type RerankLimits } from '../../rerank/parse.js';
import { rerankRequestSchema } from '../../rerank/schema.js';
import { limitCount, limitsOf, parseWith, rankedList, dialectSurface } from '../shared.js';

/** TEI requests name no model: this header does, else `dialects.tei.model`. */
export const MODEL_HEADER = 'x-rankway-model';

export const teiRequestSchema = z.looseObject({
  query: rerankRequestSchema.shape.query,
  texts: rankedList('texts', z.string({ error: 'texts must be strings' })),
  truncate: z.boolean().nullable().optional(),
  truncation_direction: z.enum(['Right', 'Left', 'right', 'left']).optional(),
  raw_scores: z.boolean({ error: 'raw_scores must be a boolean' }).optional(),
  return_text: z.boolean({ error: 'return_text must be a boolean' }).optional(),
  cache: rerankRequestSchema.shape.cache,
});

export interface TeiRequest {
  readonly canonical: RerankRequest;
  readonly rawScores: boolean;
}

export function parseTei(body: unknown, model: string | undefined, limits: RerankLimits): TeiRequest {
  const b = parseWith(teiRequestSchema, body);
  if (!model)
    throw invalidRequest(`model is required for rerank: send the ${MODEL_HEADER} header or configure dialects.tei.model`, MODEL_HEADER);
  limitCount('texts', b.texts.length, limits);
  return {
    canonical: {
      model,
      query: b.query,
      documents: toDocuments(b.texts, undefined, limits.maxDocumentChars),
      returnDocuments: b.return_text ?? false,
      cache: b.cache,
    },
    rawScores: b.raw_scores ?? false,
  };
}

/**
 * TEI answers a bare array sorted by score. TEI's default scores are sigmoid(logit); with
 * `raw_scores` it returns the logit, which for a probability-like score p is ln(p / (1 - p)).
 */
export function renderTei(result: RerankResult, rawScores: boolean): unknown[] {
  return result.results.map((r) => {
    const score = rawScores ? logit(r.score) : r.score;
    return r.document ? { index: r.index, text: r.document.text, score } : { index: r.index, score };
  });
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
}

/** TEI's `error_type` names, chosen by status. */
export function teiErrorType(err: GatewayError): string {
  if (err.status === 401 || err.status === 403) return 'Unauthorized';
  if (err.status === 429) return 'Overloaded';
  if (err.status === 503) return 'Unhealthy';
  if (err.status >= 500) return 'Backend';
  return err.param === 'texts' && err.message.startsWith('texts are required') ? 'Empty' : 'Validation';
}

function modelFor(request: FastifyRequest, config: GatewayConfig): string | undefined {
  const header = request.headers[MODEL_HEADER];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim() || config.dialects.tei.model;
}

/** `/tei/rerank`: Hugging Face text-embeddings-inference, errors as `{"error", "error_type"}`. */
export const teiSurface = dialectSurface({
  name: 'tei',
  prefix: '/tei',
  errorsText: '`{"error", "error_type"}`; the model comes from the `x-rankway-model` header or `dialects.tei.model`',
  render: (err) => ({ error: err.message, error_type: teiErrorType(err) }),
  routes: [
    {
      path: '/rerank',
      vendor: 'Hugging Face TEI',
      request: { name: 'TeiRerankRequest', schema: teiRequestSchema },
      handler: ({ config, rerank }) => {
        const limits = limitsOf(config);
        return async (request) => {
          request.ctx.surface = 'tei';
          const tei = parseTei(request.body, modelFor(request, config), limits);
          return renderTei(await rerank.rerank(tei.canonical, request.ctx), tei.rawScores);
        };
      },
    },
  ],
});
