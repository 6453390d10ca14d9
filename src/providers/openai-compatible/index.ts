import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { openaiCompatibleOptions, type OpenaiCompatibleOptions } from './options.js';
import { compatibleRerank } from './rerank.js';

export const openaiCompatibleProvider: ProviderDefinition<OpenaiCompatibleOptions> = {
  type: 'openai-compatible',
  configSchema: openaiCompatibleOptions,
  create: (config) =>
    bearerAdapter({
      type: 'openai-compatible',
      config,
      defaultBaseUrl: config.base_url,
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: compatibleRerank },
    }),
};
