import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { jinaRerank } from './rerank.js';

const schema = providerBaseSchema.extend({ api_key: z.string().min(1) });

export const jinaProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'jina',
  configSchema: schema,
  create: (config) =>
    bearerAdapter({
      type: 'jina',
      config,
      defaultBaseUrl: 'https://api.jina.ai',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: jinaRerank },
    }),
};
