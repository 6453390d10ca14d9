import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/**
 * vLLM's rerank endpoint. Older servers only mount `/rerank`, so core tries it when
 * `/v1/rerank` answers 404/405/501 and remembers the working path.
 */
export const vllmRerank: HttpRerankCapability = {
  kind: 'http',
  nativeMaxTokensPerDoc: false,
  build(call: RerankCall, target: Target) {
    return {
      method: 'POST',
      path: '/v1/rerank',
      alternativePaths: ['/rerank'],
      body: { model: target.model, query: call.query, documents: texts(call.documents), top_n: call.topN },
    };
  },
  parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
    const json = parseJsonBody(reply.body, 'vllm') as Record<string, unknown> | null;
    if (json === null || typeof json !== 'object') throw badResponse('vllm: body is not an object');
    const usage = json.usage as { prompt_tokens?: number; total_tokens?: number } | undefined;
    return {
      scores: readScoredList(json.results, 'relevance_score', call.documents.length, 'vllm'),
      usage: { inputTokens: usage?.prompt_tokens ?? usage?.total_tokens ?? 0 },
    };
  },
};
