import { z } from 'zod';
import { providerBaseSchema } from '../../config/schema.js';
import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { vllmRerank } from './rerank.js';

const schema = providerBaseSchema.extend({ base_url: z.url() });

/** A self-hosted vLLM server running a cross-encoder (`--task score`). */
export const vllmProvider: ProviderDefinition<z.infer<typeof schema>> = {
  type: 'vllm',
  configSchema: schema,
  create: (config) =>
    bearerAdapter({
      type: 'vllm',
      config,
      defaultBaseUrl: config.base_url,
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: vllmRerank },
    }),
};
