import { baseModelId, embeddingsFamily } from './families.js';

/**
 * What a native Bedrock Runtime call does, for traces: Converse is always chat; InvokeModel
 * carries whatever the model is (an embeddings family, a reranker, else a text model).
 */
export function runtimeOperation(action: string, modelId: string): 'rerank' | 'chat' | 'embeddings' {
  if (action.startsWith('converse')) return 'chat';
  if (embeddingsFamily(modelId)) return 'embeddings';
  return /^(?:cohere|amazon)\.rerank/.test(baseModelId(modelId)) ? 'rerank' : 'chat';
}
