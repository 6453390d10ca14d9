import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpRerankCapability, UpstreamReply } from '../types.js';

/** Hugging Face text-embeddings-inference: `texts` in, a bare sorted array out, no top_n. */
export const teiRerank: HttpRerankCapability = {
  kind: 'http',
  nativeMaxTokensPerDoc: false,
  build(call: RerankCall) {
    return {
      method: 'POST',
      path: '/rerank',
      body: { query: call.query, texts: texts(call.documents), truncate: true, raw_scores: false, return_text: false },
    };
  },
  parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
    const json = parseJsonBody(reply.body, 'tei');
    const tokens = Number(headerValue(reply.headers['x-compute-tokens']));
    return {
      scores: readScoredList(json, 'score', call.documents.length, 'tei'),
      usage: { inputTokens: Number.isFinite(tokens) ? tokens : 0 },
    };
  },
};

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
