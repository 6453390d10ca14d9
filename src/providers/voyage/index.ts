import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { voyageRerank } from './rerank.js';

const schema = providerBaseSchema.extend({ api_key: z.string().min(1) });

export const voyageProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'voyage',
  configSchema: schema,
  create: (config) =>
    bearerAdapter({
      type: 'voyage',
      config,
      defaultBaseUrl: 'https://api.voyageai.com',
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: voyageRerank },
    }),
};
