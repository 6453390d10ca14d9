import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { cohereOptionHints, cohereOptions, type CohereOptions } from './options.js';
import { cohereRerank } from './rerank.js';

/** Cohere's API, and with `base_url` Heroku Managed Inference and Cohere on Azure. */
export const cohereProvider: ProviderDefinition<CohereOptions> = {
  type: 'cohere',
  configSchema: cohereOptions,
  optionHints: cohereOptionHints,
  create: (config) =>
    bearerAdapter({
      type: 'cohere',
      config,
      defaultBaseUrl: 'https://api.cohere.com',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: cohereRerank(cohereApiVersion(config)) },
    }),
};

/** Heroku Managed Inference hosts (`us.inference.heroku.com`, ...) serve only Cohere's v1 rerank path. */
const HEROKU_INFERENCE = /(^|\.)inference\.heroku\.com$/i;

/** The API version to speak: an explicit `api_version` wins; a Heroku host means v1; else v2. */
export function cohereApiVersion(config: Pick<CohereOptions, 'api_version' | 'base_url'>): 'v1' | 'v2' {
  if (config.api_version) return config.api_version;
  if (config.base_url && HEROKU_INFERENCE.test(new URL(config.base_url).hostname)) return 'v1';
  return 'v2';
}
