import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import { genericMessage } from '../shared/errors.js';
import type { ProviderDefinition } from '../types.js';
import { teiRerank } from './rerank.js';

const schema = providerBaseSchema.extend({
  base_url: z.url(),
  /** TEI's --max-client-batch-size; the server default is 32. */
  max_documents_per_request: z.number().int().positive().default(32),
});

/** A text-embeddings-inference server with a reranker model loaded. */
export const teiProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'tei',
  configSchema: schema,
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
