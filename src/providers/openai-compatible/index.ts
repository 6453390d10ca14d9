import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { compatibleRerank } from './rerank.js';

const schema = providerBaseSchema.extend({ base_url: z.url() });

export const openaiCompatibleProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'openai-compatible',
  configSchema: schema,
  create: (config) =>
    bearerAdapter({
      type: 'openai-compatible',
      config,
      defaultBaseUrl: config.base_url,
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: compatibleRerank },
    }),
};
