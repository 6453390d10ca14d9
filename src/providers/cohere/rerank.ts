import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/**
 * Cohere rerank. v2 (default) takes string documents only: ids and metadata stay in
 * the gateway, never stuffed into the text. v1 is what Azure serverless endpoints expose.
 */
export function cohereRerank(apiVersion: 'v1' | 'v2'): HttpRerankCapability {
  const path = apiVersion === 'v1' ? '/v1/rerank' : '/v2/rerank';
  return {
    kind: 'http',
    nativeMaxTokensPerDoc: apiVersion === 'v2',
    build(call: RerankCall, target: Target) {
      const body: Record<string, unknown> = {
        model: target.model,
        query: call.query,
        documents: texts(call.documents),
        top_n: call.topN,
      };
      if (apiVersion === 'v2') {
        if (call.maxTokensPerDoc !== undefined) body.max_tokens_per_doc = call.maxTokensPerDoc;
        if (call.priority !== undefined) body.priority = call.priority;
      } else {
        body.return_documents = false;
      }
      return { method: 'POST', path, body };
    },
    parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
      return parseCohereShaped(reply, call, 'cohere');
    },
  };
}

/** Cohere's response shape, also spoken by Heroku, Azure and Cohere-compatible servers. */
export function parseCohereShaped(reply: UpstreamReply, call: RerankCall, provider: string): RerankCallResult {
  const json = parseJsonBody(reply.body, provider) as Record<string, unknown> | null;
  if (json === null || typeof json !== 'object') throw badResponse(`${provider}: body is not an object`);
  const scores = readScoredList(json.results, 'relevance_score', call.documents.length, provider);
  const meta = json.meta as { billed_units?: { search_units?: number }; tokens?: { input_tokens?: number } } | undefined;
  const usage = json.usage as { prompt_tokens?: number; total_tokens?: number } | undefined;
  return {
    scores,
    usage: {
      searchUnits: numberOr(meta?.billed_units?.search_units, 0),
      inputTokens: numberOr(meta?.tokens?.input_tokens ?? usage?.prompt_tokens ?? usage?.total_tokens, 0),
    },
  };
}

const numberOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
