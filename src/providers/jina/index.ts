import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { jinaOptions, type JinaOptions } from './options.js';
import { jinaRerank } from './rerank.js';

export const jinaProvider: ProviderDefinition<JinaOptions> = {
  type: 'jina',
  configSchema: jinaOptions,
  create: (config) =>
    bearerAdapter({
      type: 'jina',
      config,
      defaultBaseUrl: 'https://api.jina.ai',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: jinaRerank },
    }),
};
