import type { UpstreamAuth } from './types.js';

/** `Authorization: Bearer <key>`: Cohere, Jina, Voyage, vLLM, TEI, OpenAI-compatible servers. */
export function bearerAuth(apiKey: string | undefined): UpstreamAuth {
  if (!apiKey) return { apply() {} };
  const value = `Bearer ${apiKey}`;
  return {
    apply(request) {
      request.headers.authorization = value;
    },
  };
}
