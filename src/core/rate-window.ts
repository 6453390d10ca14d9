/**
 * At most `limit` calls in any sliding window of `windowMs`: call k may start no earlier
 * than `windowMs` after call k - limit started. A caller reserves its start time up front
 * (first come, first served) and may decline when that is too far away.
 *
 * Memory is bounded by the window, not the limit: calls that start in the same millisecond
 * share one entry (a start time and a count), and entries a window old are dropped (they can
 * no longer delay anyone). A limit of 1,000,000/min holds at most 60,001 entries (~720 KB,
 * and only under that traffic) where one slot per call would pin 8 MB from start-up.
 */
export class SlidingWindowLimit {
  private times = new Float64Array(16);
  private counts = new Int32Array(16);
  /** Ring of entries: `size` of them from `head`, oldest first. */
  private head = 0;
  private size = 0;
  /** Calls held in the entries (at most `limit`). */
  private total = 0;

  constructor(
    readonly limit: number,
    private readonly windowMs: number = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds to wait before starting, or undefined (nothing reserved) when over `maxWaitMs`. */
  reserve(maxWaitMs: number): number | undefined {
    const now = this.now();
    // A call that started a window ago or earlier delays nobody any more.
    while (this.size > 0 && this.times[this.head] + this.windowMs <= now) this.dropOldest(this.counts[this.head]);
    // The call `limit` back is the oldest one held once exactly `limit` are held.
    const at = this.total >= this.limit ? Math.max(now, this.times[this.head] + this.windowMs) : now;
    const wait = at - now;
    if (wait > maxWaitMs) return undefined;
    if (this.total >= this.limit) this.dropOldest(1);
    this.push(at);
    return wait;
  }

  private dropOldest(calls: number): void {
    const c = this.counts[this.head] - calls;
    this.total -= calls;
    if (c > 0) {
      this.counts[this.head] = c;
      return;
    }
    this.head = (this.head + 1) % this.times.length;
    this.size--;
  }

  private push(at: number): void {
    this.total++;
    if (this.size > 0) {
      const last = (this.head + this.size - 1) % this.times.length;
      if (this.times[last] === at) {
        this.counts[last]++;
        return;
      }
    }
    if (this.size === this.times.length) this.grow();
    const slot = (this.head + this.size) % this.times.length;
    this.times[slot] = at;
    this.counts[slot] = 1;
    this.size++;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    const counts = new Int32Array(n);
    for (let k = 0; k < this.size; k++) {
      const from = (this.head + k) % this.times.length;
      times[k] = this.times[from];
      counts[k] = this.counts[from];
    }
    this.times = times;
    this.counts = counts;
    this.head = 0;
  }
}
