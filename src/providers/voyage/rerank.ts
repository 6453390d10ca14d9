import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/** Voyage AI rerank: `top_k` instead of `top_n`, results under `data`. */
export const voyageRerank: HttpRerankCapability = {
  kind: 'http',
  nativeMaxTokensPerDoc: false,
  build(call: RerankCall, target: Target) {
    return {
      method: 'POST',
      path: '/v1/rerank',
      body: {
        model: target.model,
        query: call.query,
        documents: texts(call.documents),
        top_k: call.topN,
        return_documents: false,
        truncation: true,
      },
    };
  },
  parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
    const json = parseJsonBody(reply.body, 'voyage') as Record<string, unknown> | null;
    if (json === null || typeof json !== 'object') throw badResponse('voyage: body is not an object');
    const usage = json.usage as { total_tokens?: number } | undefined;
    return {
      scores: readScoredList(json.data, 'relevance_score', call.documents.length, 'voyage'),
      usage: { inputTokens: usage?.total_tokens ?? 0 },
    };
  },
};
