import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { cohereRerank } from './rerank.js';

const schema = providerBaseSchema.extend({
  api_key: z.string().min(1),
  /** v1 for endpoints that only expose Cohere's v1 API (Azure serverless). */
  api_version: z.enum(['v1', 'v2']).default('v2'),
});

/** Cohere's API, and with `base_url` Heroku Managed Inference and Cohere on Azure. */
export const cohereProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'cohere',
  configSchema: schema,
  create: (config) =>
    bearerAdapter({
      type: 'cohere',
      config,
      defaultBaseUrl: 'https://api.cohere.com',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: cohereRerank(config.api_version) },
    }),
};
