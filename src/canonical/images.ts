/**
 * An image request as every surface hands it to core: OpenAI's generations and edits
 * fields, plus whatever model-native fields the caller added (`extras`), which the
 * provider maps or refuses.
 *
 * @example { task: 'generate', model: 'nova-canvas', prompt: 'a lighthouse', n: 2, size: '1024x1024', extras: {} }
 */
export interface ImageRequest {
  readonly task: 'generate' | 'edit';
  readonly model: string;
  readonly prompt?: string;
  readonly n: number;
  readonly size?: string;
  readonly quality?: string;
  readonly style?: string;
  /** OpenAI's `output_format` (png, jpeg, webp). */
  readonly outputFormat?: string;
  /** Edit inputs, raw image bytes. */
  readonly images: readonly Uint8Array[];
  readonly mask?: Uint8Array;
  /** Fields outside OpenAI's shape (an SDK's `extra_body` arrives here). */
  readonly extras: Readonly<Record<string, unknown>>;
}

export interface ImageCallResult {
  /** Base64-encoded images, in order. */
  readonly images: readonly string[];
}

export interface ImageResult extends ImageCallResult {
  readonly modelUsed: string;
}
