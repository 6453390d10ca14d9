import { cohereShapedRerank } from '../shared/cohere-shaped.js';

/**
 * Any server exposing a Cohere-shaped `/v1/rerank` (Infinity, LocalAI, Together, ...). Despite
 * the provider type's name (kept for configs that use it), this is the only capability it has.
 */
export const compatibleRerank = cohereShapedRerank({
  name: 'openai-compatible',
  path: '/v1/rerank',
  tail: (call) => ({ top_n: call.topN }),
});
