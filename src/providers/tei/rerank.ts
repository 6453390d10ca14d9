import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import { cohereShapedRerank } from '../shared/cohere-shaped.js';
import { parseJsonBody, readScoredList } from '../shared/json.js';
import type { UpstreamReply } from '../types.js';

/** Hugging Face text-embeddings-inference: `texts` in, a bare sorted array out, no top_n. */
export const teiRerank = cohereShapedRerank({
  name: 'tei',
  path: '/rerank',
  head: (call) => ({ query: call.query }),
  documentsKey: 'texts',
  tail: () => ({ truncate: true, raw_scores: false, return_text: false }),
  read(reply: UpstreamReply, call: RerankCall, name: string): RerankCallResult {
    const json = parseJsonBody(reply.body, name);
    const tokens = Number(headerValue(reply.headers['x-compute-tokens']));
    return {
      scores: readScoredList(json, 'score', call.documents.length, name),
      usage: { inputTokens: Number.isFinite(tokens) ? tokens : 0 },
    };
  },
});

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
