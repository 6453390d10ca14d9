/**
 * Helpers of the BM25 tokenizer's ASCII fast path. Most documents are plain ASCII; scanning
 * their bytes is much cheaper than `toLowerCase` plus `charCodeAt` over a string, and finds
 * exactly the same words with the same hashes (ASCII units equal their bytes).
 */
const encoder = new TextEncoder();
let buffer = new Uint8Array(64 * 1024);

/** Lower-case letter or digit for each byte; 0 for everything else (non-ASCII never gets here). */
export const WORD_BYTE = new Uint8Array(256);
for (let c = 48; c <= 57; c++) WORD_BYTE[c] = c;
for (let c = 97; c <= 122; c++) WORD_BYTE[c] = c;
for (let c = 65; c <= 90; c++) WORD_BYTE[c] = c + 32;

/**
 * The text's bytes when it is pure ASCII, else null (use the Unicode path), followed by a 0
 * at index `text.length`: a sentinel that ends the last word, so word loops need no bounds
 * check. The array is shared and overwritten by the next call: use it before calling again.
 */
export function asciiBytes(text: string): Uint8Array | null {
  const n = text.length;
  if (buffer.length <= n) buffer = new Uint8Array(Math.max(n + 1, buffer.length * 2));
  const { read, written } = encoder.encodeInto(text, buffer.subarray(0, n));
  if (read !== n || written !== n) return null;
  buffer[n] = 0;
  return buffer;
}

/** Number of `asciiPair` values. */
export const ASCII_PAIRS = 128 * 128;

/**
 * The first two lower-cased units of an ASCII word (second 0 for a one-letter word) as an
 * index below `ASCII_PAIRS`: what `prefixKey` tells apart, for table lookups.
 */
export function asciiPair(first: number, second: number): number {
  return (first << 7) | second;
}

export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}
