/**
 * One embeddings request as core sees it.
 * @example { model: 'titan-embed', inputs: ['hello'], encoding: 'float' }
 */
export interface EmbeddingsRequest {
  readonly model: string;
  readonly inputs: readonly string[];
  readonly encoding: 'float' | 'base64';
  readonly dimensions?: number;
  /** Cohere's `input_type` (search_document, search_query, classification, clustering). */
  readonly inputType?: string;
  readonly user?: string;
  readonly fallbacks?: readonly string[];
}

/** A slice of the inputs sent in one upstream call. */
export interface EmbeddingsCall {
  readonly inputs: readonly string[];
  readonly dimensions?: number;
  readonly inputType?: string;
}

export interface EmbeddingsCallResult {
  /** One vector per input of the call, in input order. */
  readonly vectors: readonly (readonly number[])[];
  readonly inputTokens: number;
}

export interface EmbeddingsResult {
  readonly vectors: readonly (readonly number[])[];
  readonly inputTokens: number;
  readonly modelUsed: string;
}
