import { z } from 'zod';
import { providerOptions, upstreamUrl } from '../shared/options.js';

export const openaiOptions = providerOptions({
  /** Up to and including the version segment, e.g. `https://api.openai.com/v1` or `http://vllm:8000/v1`. */
  base_url: upstreamUrl.default('https://api.openai.com/v1'),
  /** Azure OpenAI: deployment paths, `api-version` query and the `api-key` header. */
  azure: z.strictObject({ api_version: z.string().min(1) }).optional(),
});
export type OpenAiOptions = z.infer<typeof openaiOptions>;

export const openaiOptionHints = { api_version: 'azure', deployment: 'azure' } as const;
