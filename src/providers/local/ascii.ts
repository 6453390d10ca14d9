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
 * The text's bytes when it is pure ASCII, else null (use the Unicode path). The array is
 * shared and overwritten by the next call: use it before calling again.
 */
export function asciiBytes(text: string): Uint8Array | null {
  const n = text.length;
  if (buffer.length < n) buffer = new Uint8Array(Math.max(n, buffer.length * 2));
  const { read, written } = encoder.encodeInto(text, buffer.subarray(0, n));
  return read === n && written === n ? buffer : null;
}

/** The first two bytes of a word as `prefixKey` computes them for strings. */
export function prefixKeyBytes(bytes: Uint8Array, start: number, end: number): number {
  const first = bytes[start];
  return end - start === 1 ? first * 65536 + 65535 : first * 65536 + bytes[start + 1];
}

export function asciiString(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}
