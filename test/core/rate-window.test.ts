import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingWindowLimit } from '../../src/core/rate-window.js';
import { Semaphore } from '../../src/core/semaphore.js';
import { seededRandom } from '../../src/eval/stats.js';

describe('provider limits', () => {
  it('allows `limit` calls per window and schedules later ones when the wait is short enough', () => {
    let now = 0;
    const limit = new SlidingWindowLimit(2, 60_000, () => now);
    assert.equal(limit.reserve(0), 0);
    now = 10_000;
    assert.equal(limit.reserve(0), 0);
    now = 30_000;
    assert.equal(limit.reserve(1_000), undefined); // would wait 30 s
    assert.equal(limit.reserve(30_000), 30_000); // starts at 60 s, one window after the first
    now = 60_000;
    assert.equal(limit.reserve(0), undefined); // the second call's slot frees at 70 s
    now = 70_000;
    assert.equal(limit.reserve(0), 0);
  });

  it('a semaphore waiter gives up after its bound and leaves the queue', async () => {
    const sem = new Semaphore(1);
    assert.equal(await sem.acquireWithin(0), true);
    assert.equal(await sem.acquireWithin(20), false);
    assert.equal(sem.waiting, 0);
    const waiting = sem.acquireWithin(1_000);
    sem.release();
    assert.equal(await waiting, true);
  });
});

/** The definition, one slot per allowed call (what the bounded version must agree with). */
class SlotPerCall {
  private readonly starts: number[];
  private head = 0;
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {
    this.starts = new Array(limit).fill(-Infinity);
  }
  reserve(now: number, maxWaitMs: number): number | undefined {
    const at = Math.max(now, this.starts[this.head] + this.windowMs);
    if (at - now > maxWaitMs) return undefined;
    this.starts[this.head] = at;
    this.head = (this.head + 1) % this.limit;
    return at - now;
  }
}

describe('sliding window memory', () => {
  it('agrees with one slot per call over random steps (bursts in one millisecond, waits, gaps)', () => {
    const rand = seededRandom(4242);
    for (let run = 0; run < 40; run++) {
      let now = 1_000_000;
      const limit = 1 + Math.floor(rand() * 50);
      const windowMs = 10 + Math.floor(rand() * 2000);
      const model = new SlotPerCall(limit, windowMs);
      const real = new SlidingWindowLimit(limit, windowMs, () => now);
      for (let step = 0; step < 2000; step++) {
        const r = rand();
        if (r < 0.4) now += Math.floor(rand() * (r < 0.05 ? 5 * windowMs : 20));
        const maxWait = rand() < 0.5 ? 0 : Math.floor(rand() * windowMs * 2);
        assert.equal(real.reserve(maxWait), model.reserve(now, maxWait), `run ${run} step ${step}`);
      }
    }
  });

  it('a huge limit does not allocate a slot per call', () => {
    const limit = new SlidingWindowLimit(10_000_000);
    const held = (limit as unknown as { times: Float64Array }).times.length;
    assert.ok(held <= 16, `${held} entries at start`);
    for (let i = 0; i < 100_000; i++) limit.reserve(0);
    // One millisecond (or a few) of calls: a handful of entries, not 100,000.
    assert.ok((limit as unknown as { times: Float64Array }).times.length <= 1024);
  });
});
