/**
 * Counts the bytes that Buffer/String `indexOf` searches look at and the bytes that
 * `Buffer.concat` copies while `run` executes: a structural measure of a decoder's work,
 * free of timing. A search that finds its target counts up to the match; one that fails
 * counts to the end. Past `limit` bytes of either kind it throws, so a quadratic decoder
 * fails at once instead of running for minutes.
 */
export function countWork(run: () => void, limit = Infinity): { scanned: number; copied: number } {
  let scanned = 0;
  let copied = 0;
  const bufferIndexOf = Buffer.prototype.indexOf;
  const stringIndexOf = String.prototype.indexOf;
  const concat = Buffer.concat;
  const from = (position: unknown): number => (typeof position === 'number' && position > 0 ? position : 0);
  Buffer.prototype.indexOf = function (this: Buffer, value: any, byteOffset?: any, encoding?: any) {
    const at = bufferIndexOf.call(this, value, byteOffset, encoding);
    scanned += (at < 0 ? this.length : at + 1) - from(byteOffset);
    if (scanned > limit) throw new Error(`searched more than ${limit} bytes`);
    return at;
  } as typeof bufferIndexOf;
  String.prototype.indexOf = function (this: string, search: string, position?: number) {
    const at = stringIndexOf.call(this, search, position);
    scanned += (at < 0 ? this.length : at + 1) - from(position);
    if (scanned > limit) throw new Error(`searched more than ${limit} bytes`);
    return at;
  };
  Buffer.concat = ((list: readonly Uint8Array[], totalLength?: number) => {
    const out = concat.call(Buffer, list, totalLength);
    copied += out.length;
    if (copied > limit) throw new Error(`copied more than ${limit} bytes`);
    return out;
  }) as typeof concat;
  try {
    run();
  } finally {
    Buffer.prototype.indexOf = bufferIndexOf;
    String.prototype.indexOf = stringIndexOf;
    Buffer.concat = concat;
  }
  return { scanned, copied };
}
