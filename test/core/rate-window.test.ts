import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SlidingWindowLimit } from '../../src/core/rate-window.js';
import { Semaphore } from '../../src/core/semaphore.js';

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
