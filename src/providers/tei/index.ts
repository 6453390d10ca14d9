import { bearerAdapter } from '../shared/http-adapter.js';
import { genericMessage } from '../shared/errors.js';
import type { ProviderDefinition } from '../types.js';
import { teiOptions, type TeiOptions } from './options.js';
import { teiRerank } from './rerank.js';

/** A text-embeddings-inference server with a reranker model loaded. */
export const teiProvider: ProviderDefinition<TeiOptions> = {
  type: 'tei',
  configSchema: teiOptions,
  create: (config) =>
    bearerAdapter({
      type: 'tei',
      config,
      defaultBaseUrl: config.base_url,
      maxDocumentsPerCall: config.max_documents_per_request,
      capabilities: { rerank: teiRerank },
      extractMessage: genericMessage,
    }),
};
