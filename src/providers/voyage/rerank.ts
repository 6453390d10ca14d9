import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { cohereShapedRerank } from '../shared/cohere-shaped.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList } from '../shared/json.js';
import type { UpstreamReply } from '../types.js';

/** Voyage AI rerank: `top_k` instead of `top_n`, results under `data`. */
export const voyageRerank = cohereShapedRerank({
  name: 'voyage',
  path: '/v1/rerank',
  tail: (call) => ({ top_k: call.topN, return_documents: false, truncation: true }),
  read(reply: UpstreamReply, call: RerankCall, name: string): RerankCallResult {
    const json = parseJsonBody(reply.body, name) as Record<string, unknown> | null;
    if (json === null || typeof json !== 'object') throw badResponse(`${name}: body is not an object`);
    const usage = json.usage as { total_tokens?: number } | undefined;
    return {
      scores: readScoredList(json.data, 'relevance_score', call.documents.length, name),
      usage: { inputTokens: usage?.total_tokens ?? 0 },
    };
  },
});
