import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { parseCohereShaped } from '../cohere/rerank.js';
import { texts } from '../shared/json.js';
import type { HttpRerankCapability, Target, UpstreamReply } from '../types.js';

/** Any server exposing a Cohere-shaped `/v1/rerank` (Infinity, LocalAI, Together, ...). */
export const compatibleRerank: HttpRerankCapability = {
  kind: 'http',
  nativeMaxTokensPerDoc: false,
  build(call: RerankCall, target: Target) {
    return {
      method: 'POST',
      path: '/v1/rerank',
      body: { model: target.model, query: call.query, documents: texts(call.documents), top_n: call.topN },
    };
  },
  parse: (reply: UpstreamReply, call: RerankCall): RerankCallResult => parseCohereShaped(reply, call, 'openai-compatible'),
};
