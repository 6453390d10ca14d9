/**
 * One embeddings request as core sees it.
 * @example { model: 'titan-embed', inputs: ['hello'], encoding: 'float' }
 */
/** An image to embed: base64 bytes and their media type. */
export interface EmbeddingImage {
  readonly base64: string;
  readonly mediaType: string;
}

export interface EmbeddingsRequest {
  readonly model: string;
  /** Text of each input (`''` for an image-only input). */
  readonly inputs: readonly string[];
  /** Multimodal models: the image of each input (same length as `inputs`, null for none); absent for text only. */
  readonly images?: readonly (EmbeddingImage | null)[];
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
  /** The images of this slice of inputs, when the request has any. */
  readonly images?: readonly (EmbeddingImage | null)[];
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
