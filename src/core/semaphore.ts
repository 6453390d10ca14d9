/**
 * A counting semaphore; waiters are served in arrival order. With `maxQueue`, at most that
 * many callers wait: the next one gets `onFull()`'s error at once, so a slow upstream makes
 * Rankway shed load instead of piling up requests in memory.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    private readonly queue: { readonly maxQueue: number; readonly onFull: () => Error } = {
      maxQueue: Infinity,
      onFull: () => new Error('queue full'),
    },
  ) {
    this.available = capacity;
  }

  /** Calls currently holding a slot. */
  get inUse(): number {
    return this.capacity - this.available;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  tryAcquire(): boolean {
    if (this.available > 0) {
      this.available--;
      return true;
    }
    return false;
  }

  /** Waits at most `maxWaitMs` for a slot; false when none came free in time. */
  acquireWithin(maxWaitMs: number): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (maxWaitMs <= 0) return Promise.resolve(false);
    if (this.waiters.length >= this.queue.maxQueue) return Promise.reject(this.queue.onFull());
    return new Promise((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      }, maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  if (items.length === 1) return [await fn(items[0], 0)]; // the common unchunked request: no workers
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
