import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { voyageOptions, type VoyageOptions } from './options.js';
import { voyageRerank } from './rerank.js';

export const voyageProvider: ProviderDefinition<VoyageOptions> = {
  type: 'voyage',
  configSchema: voyageOptions,
  create: (config) =>
    bearerAdapter({
      type: 'voyage',
      config,
      defaultBaseUrl: 'https://api.voyageai.com',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: voyageRerank },
    }),
};
