/**
 * At most `limit` calls in any sliding window of `windowMs`: call k may start no earlier
 * than `windowMs` after call k - limit started. A caller reserves its start time up front
 * (first come, first served) and may decline when that is too far away.
 */
export class SlidingWindowLimit {
  private readonly starts: Float64Array;
  private head = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number = 60_000,
    private readonly now: () => number = Date.now,
  ) {
    this.starts = new Float64Array(limit).fill(-Infinity);
  }

  /** Milliseconds to wait before starting, or undefined (nothing reserved) when over `maxWaitMs`. */
  reserve(maxWaitMs: number): number | undefined {
    const now = this.now();
    const at = Math.max(now, this.starts[this.head] + this.windowMs);
    const wait = at - now;
    if (wait > maxWaitMs) return undefined;
    this.starts[this.head] = at;
    this.head = (this.head + 1) % this.limit;
    return wait;
  }
}
