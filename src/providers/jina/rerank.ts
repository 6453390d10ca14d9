import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/** Jina AI rerank: Cohere-like, usage in tokens. Documents are not echoed (we back-fill). */
export const jinaRerank: HttpRerankCapability = {
  kind: 'http',
  nativeMaxTokensPerDoc: false,
  build(call: RerankCall, target: Target) {
    return {
      method: 'POST',
      path: '/v1/rerank',
      body: { model: target.model, query: call.query, documents: texts(call.documents), top_n: call.topN, return_documents: false },
    };
  },
  parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
    const json = parseJsonBody(reply.body, 'jina') as Record<string, unknown> | null;
    if (json === null || typeof json !== 'object') throw badResponse('jina: body is not an object');
    const usage = json.usage as { prompt_tokens?: number; total_tokens?: number } | undefined;
    return {
      scores: readScoredList(json.results, 'relevance_score', call.documents.length, 'jina'),
      usage: { inputTokens: usage?.prompt_tokens ?? usage?.total_tokens ?? 0 },
    };
  },
};
