import { cohereShapedRerank } from '../shared/cohere-shaped.js';

/**
 * vLLM's rerank endpoint. Older servers only mount `/rerank`, so core tries it when
 * `/v1/rerank` answers 404/405/501 and remembers the working path.
 */
export const vllmRerank = cohereShapedRerank({
  name: 'vllm',
  path: '/v1/rerank',
  alternativePaths: ['/rerank'],
  tail: (call) => ({ top_n: call.topN }),
});
