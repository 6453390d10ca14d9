import { bearerAdapter } from '../shared/http-adapter.js';
import type { ProviderDefinition } from '../types.js';
import { vllmOptions, type VllmOptions } from './options.js';
import { vllmRerank } from './rerank.js';

/** A self-hosted vLLM server running a cross-encoder (`--task score`). */
export const vllmProvider: ProviderDefinition<VllmOptions> = {
  type: 'vllm',
  configSchema: vllmOptions,
  create: (config) =>
    bearerAdapter({
      type: 'vllm',
      config,
      defaultBaseUrl: config.base_url,
      maxDocumentsPerCall: 1000,
      capabilities: { rerank: vllmRerank },
    }),
};
