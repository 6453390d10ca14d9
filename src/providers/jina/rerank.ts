import { cohereShapedRerank } from '../shared/cohere-shaped.js';

/** Jina AI rerank: Cohere-like, usage in tokens. Documents are not echoed (we back-fill). */
export const jinaRerank = cohereShapedRerank({
  name: 'jina',
  path: '/v1/rerank',
  tail: (call) => ({ top_n: call.topN, return_documents: false }),
});
