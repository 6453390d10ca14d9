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

/** The key in a header of its own, e.g. Azure OpenAI's `api-key: <key>`. */
export function headerKeyAuth(header: string, apiKey: string): UpstreamAuth {
  const name = header.toLowerCase();
  return {
    apply(request) {
      request.headers[name] = apiKey;
    },
  };
}
