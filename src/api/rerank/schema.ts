import { z } from 'zod';
import { MAX_CALLER_FALLBACKS } from '../../core/policy.js';

/**
 * The unified rerank request: a superset of Cohere's v1 and v2 bodies. The same schema
 * validates requests and documents the API, so the two cannot drift apart.
 */
export const rerankDocumentSchema = z.union([
  z.string(),
  z.looseObject({
    text: z.string().optional(),
    id: z.union([z.string(), z.number()]).optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  }),
]);

/**
 * Models to try after `model`, each checked against the key's allow-list. The count is
 * capped in core (one cap for every surface), so a long list is a `too_many_fallbacks` 400.
 */
export const callerFallbacks = z
  .array(z.string().min(1))
  .describe(`Models to try in order when the model fails; at most ${MAX_CALLER_FALLBACKS}, each one allowed for the key`)
  .optional();

export const rerankRequestSchema = z.looseObject({
  model: z
    .string({ error: (i) => (i.input === undefined ? 'model is required for rerank' : 'model must be a string') })
    .min(1, 'model is required for rerank'),
  query: z
    .string({ error: (i) => (i.input === undefined || i.input === null ? 'query is required for rerank' : 'query must be a string') })
    .refine((q) => q.trim().length > 0, 'query is required for rerank'),
  documents: z
    .array(rerankDocumentSchema, {
      error: (i) => (i.input === undefined || i.input === null ? 'documents are required for rerank' : 'documents must be an array'),
    })
    .min(1, 'documents are required for rerank'),
  top_n: z.number({ error: 'top_n must be an integer' }).int('top_n must be an integer').min(1, 'top_n must be at least 1').optional(),
  return_documents: z.boolean({ error: 'return_documents must be a boolean' }).optional(),
  max_tokens_per_doc: z.number().int().min(1, 'max_tokens_per_doc must be at least 1').optional(),
  priority: z.number().int().min(0).max(999).optional(),
  rank_fields: z.array(z.string()).optional(),
  fallbacks: callerFallbacks,
  cache: z.boolean().optional(),
  /** Model-specific fields for upstreams that take them (Bedrock `additionalModelRequestFields`). */
  extra: z.record(z.string(), z.unknown()).optional(),
});

export type RerankBody = z.infer<typeof rerankRequestSchema>;

export const rerankResponseSchema = z.object({
  id: z.string(),
  results: z.array(
    z.object({
      index: z.number().int(),
      relevance_score: z.number(),
      raw_relevance_score: z.number().optional().describe("The model's own score, on aliases that return calibrated scores"),
      document: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  model: z
    .string()
    .describe(
      'The upstream model id that answered (`rerank-v3.5` for `cohere/rerank-v3.5` or an alias of it); the name sent is `extra_fields.model_requested`',
    ),
  usage: z.object({
    prompt_tokens: z.number(),
    completion_tokens: z.number(),
    total_tokens: z.number(),
    search_units: z.number().optional(),
  }),
  meta: z.object({
    api_version: z.object({ version: z.string() }),
    billed_units: z.object({ search_units: z.number() }),
  }),
  extra_fields: z.record(z.string(), z.unknown()),
});
