import { cohereShapedRerank } from '../shared/cohere-shaped.js';
import type { HttpRerankCapability } from '../types.js';

/**
 * Cohere rerank. v2 (default) takes string documents only: ids and metadata stay in
 * the gateway, never stuffed into the text. v1 is what Azure serverless endpoints expose.
 */
export function cohereRerank(apiVersion: 'v1' | 'v2'): HttpRerankCapability {
  if (apiVersion === 'v1') {
    return cohereShapedRerank({
      name: 'cohere',
      path: '/v1/rerank',
      tail: (call) => ({ top_n: call.topN, return_documents: false }),
    });
  }
  return cohereShapedRerank({
    name: 'cohere',
    path: '/v2/rerank',
    nativeMaxTokensPerDoc: true,
    tail(call) {
      const tail: Record<string, unknown> = { top_n: call.topN };
      if (call.maxTokensPerDoc !== undefined) tail.max_tokens_per_doc = call.maxTokensPerDoc;
      if (call.priority !== undefined) tail.priority = call.priority;
      return tail;
    },
  });
}
