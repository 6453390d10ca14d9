import { z } from 'zod';
import { providerOptions } from '../shared/options.js';

/** Options of a `cohere` provider (Cohere, Heroku Managed Inference, Cohere on Azure). */
export const cohereOptions = providerOptions({
  api_key: z.string().min(1),
  /**
   * v1 for endpoints that only expose Cohere's v1 API (Azure serverless). Unset: v2, except on a
   * Heroku inference host, which serves only `/v1/rerank`.
   */
  api_version: z.enum(['v1', 'v2']).optional(),
});
export type CohereOptions = z.infer<typeof cohereOptions>;

/** Mistakes edit distance alone would not catch, and the key meant. */
export const cohereOptionHints = { base_uri: 'base_url', endpoint: 'base_url', url: 'base_url', version: 'api_version' } as const;
