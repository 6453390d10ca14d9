import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemoryLimiter } from '../../src/core/limits/memory.js';
import { RedisLimiter } from '../../src/core/limits/redis.js';
import type { KeyLimits, Limiter, Reservation } from '../../src/core/limits/types.js';
import { createLogger } from '../../src/observability/log.js';
import { REDIS_URL, redisClient } from '../helpers/services.js';

const T0 = Date.UTC(2026, 4, 10, 12, 0, 30); // mid-minute, mid-day, mid-month

interface Made {
  limiter: Limiter;
  /** Waits until coalesced settle updates reached the counters. */
  flush(): Promise<void>;
  cleanup(): Promise<void>;
}

const limiters: { name: string; make(): Promise<Made | string> }[] = [
  {
    name: 'in-process',
    make: async () => ({ limiter: new MemoryLimiter(), flush: async () => undefined, cleanup: async () => undefined }),
  },
  {
    name: 'Redis',
    async make() {
      const client = await redisClient();
      if (typeof client === 'string') return client;
      const limiter = new RedisLimiter(REDIS_URL, createLogger({ level: 'silent' }), { prefix: client.prefix });
      await limiter.connected(2000);
      return {
        limiter,
        flush: () => limiter.flush(),
        async cleanup() {
          await limiter.close();
          await client.cleanup();
        },
      };
    },
  },
];

const held = (results: { reservation?: Reservation | undefined }[]) => results.filter((r) => r.reservation).length;

for (const { name, make } of limiters) {
  describe(`${name} limiter`, () => {
    let made: Made | string;
    let limiter: Limiter;
    let flush: () => Promise<void>;
    let skip: string | undefined;
    before(async () => {
      made = await make();
      if (typeof made === 'string') skip = made;
      else ({ limiter, flush } = made);
    });
    after(async () => {
      if (typeof made !== 'string') await made.cleanup();
    });

    it('admits exactly rpm requests per sliding minute, even when they arrive together', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => limiter.admit(key, { rpm: 10 }, T0 + i)));
      assert.equal(results.filter((r) => !r.refusal).length, 10);
      const refused = results.find((r) => r.refusal)!;
      assert.equal(refused.refusal!.limit, 'rpm');
      // The oldest admitted request leaves the window 60 s after it arrived.
      assert.equal(refused.refusal!.retryAfterMs, 60_000 - 10);
      assert.ok((await limiter.admit(key, { rpm: 10 }, T0 + 59_999)).refusal, 'still inside the window');
      const later = await limiter.admit(key, { rpm: 10 }, T0 + 60_000);
      assert.equal(later.refusal, undefined, 'the first request slid out');
      assert.equal(later.requestsRemaining, 0);
    });

    it('counts requests per UTC day and refills at midnight', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      assert.equal((await limiter.admit(key, { rpd: 2 }, T0)).requestsRemaining, 1);
      assert.equal((await limiter.admit(key, { rpd: 2 }, T0 + 1)).requestsRemaining, 0);
      const refused = await limiter.admit(key, { rpd: 2 }, T0 + 2);
      assert.equal(refused.refusal?.limit, 'rpd');
      assert.equal(refused.refusal?.retryAfterMs, Date.UTC(2026, 4, 11) - (T0 + 2));
      assert.equal((await limiter.admit(key, { rpd: 2 }, Date.UTC(2026, 4, 11, 0, 0, 1))).refusal, undefined);
    });

    it('holds tokens per minute until settled, refuses what does not fit, and admits again next minute', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const limits = { tpm: 100 };
      const first = await limiter.reserve(key, limits, { tokens: 60, usd: 0 }, T0);
      assert.equal(first.tokensRemaining, 40);
      const tooMuch = await limiter.reserve(key, limits, { tokens: 50, usd: 0 }, T0 + 1);
      assert.equal(tooMuch.refusal?.limit, 'tpm', '60 held + 50 wanted > 100');
      assert.equal(tooMuch.refusal?.retryAfterMs, 30_000 - 1);
      // The request used only 20 of its 60: the rest is free again.
      limiter.settle(first.reservation!, 20, 0);
      await flush();
      const fits = await limiter.reserve(key, limits, { tokens: 80, usd: 0 }, T0 + 2);
      assert.ok(fits.reservation, '20 used + 80 wanted fits 100');
      limiter.settle(fits.reservation!, 80, 0);
      await flush();
      assert.equal((await limiter.admit(key, limits, T0 + 3)).refusal?.limit, 'tpm', 'the gate refuses a used-up minute early');
      assert.ok((await limiter.reserve(key, limits, { tokens: 100, usd: 0 }, T0 + 30_000)).reservation, 'next minute');
      const huge = await limiter.reserve(key, limits, { tokens: 101, usd: 0 }, T0 + 90_000);
      assert.equal(huge.refusal?.tooLarge, true, 'a request larger than the whole limit is named as such');
    });

    it('30 concurrent $1 reservations against a $5 budget: exactly 5 held; failures release theirs', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const limits: KeyLimits = { budget: { usd: 5, period: 'day' } };
      const results = await Promise.all(Array.from({ length: 30 }, () => limiter.reserve(key, limits, { tokens: 0, usd: 1 }, T0)));
      assert.equal(held(results), 5);
      const refused = results.find((r) => r.refusal)!;
      assert.equal(refused.refusal?.limit, 'budget');
      assert.equal(refused.refusal?.retryAfterMs, Date.UTC(2026, 4, 11) - T0);
      // Two upstream calls failed (nothing spent), three cost what they held.
      const holds = results.filter((r) => r.reservation).map((r) => r.reservation!);
      limiter.settle(holds[0], 0, 0);
      limiter.settle(holds[1], 0, 0);
      for (const h of holds.slice(2)) limiter.settle(h, 0, 1);
      await flush();
      const again = await Promise.all(Array.from({ length: 10 }, () => limiter.reserve(key, limits, { tokens: 0, usd: 1 }, T0 + 1)));
      assert.equal(held(again), 2, 'only what the failures released');
    });

    it('tpm under concurrency: holds never exceed the limit', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const results = await Promise.all(Array.from({ length: 40 }, () => limiter.reserve(key, { tpm: 500 }, { tokens: 15, usd: 0 }, T0)));
      assert.equal(held(results), 33, 'floor(500 / 15)');
    });

    it('budget: seeded spend from the database counts, the last request must fit, and a new period refills', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const limits: KeyLimits = { budget: { usd: 1, period: 'month' } };
      await limiter.seedSpend([{ keyId: key, period: 'month', usd: 0.6 }], T0);
      assert.equal((await limiter.reserve(key, limits, { tokens: 0, usd: 0.5 }, T0)).refusal?.limit, 'budget', '0.6 + 0.5 > 1');
      const r = await limiter.reserve(key, limits, { tokens: 0, usd: 0.4 }, T0);
      assert.ok(r.reservation);
      limiter.settle(r.reservation!, 0, 0.4);
      await flush();
      const refused = await limiter.admit(key, limits, T0 + 1);
      assert.equal(refused.refusal?.limit, 'budget');
      assert.equal(refused.refusal?.retryAfterMs, Date.UTC(2026, 5, 1) - (T0 + 1));
      assert.equal((await limiter.admit(key, limits, Date.UTC(2026, 5, 1, 0, 0, 1))).refusal, undefined, 'a new month');
      // Seeding raises a counter to the database's total, never lowers it.
      const k2 = randomUUID();
      const h = await limiter.reserve(k2, limits, { tokens: 0, usd: 0.7 }, T0);
      await limiter.seedSpend([{ keyId: k2, period: 'month', usd: 0.2 }], T0);
      assert.equal(
        (await limiter.reserve(k2, limits, { tokens: 0, usd: 0.31 }, T0)).refusal?.limit,
        'budget',
        'the 0.7 hold survives a lower seed',
      );
      limiter.settle(h.reservation!, 0, 0);
    });

    it('actual use above the estimate is counted (the overshoot is one estimate error)', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const r = await limiter.reserve(key, { tpm: 100 }, { tokens: 50, usd: 0 }, T0);
      limiter.settle(r.reservation!, 70, 0);
      await flush();
      assert.equal((await limiter.reserve(key, { tpm: 100 }, { tokens: 31, usd: 0 }, T0)).refusal?.limit, 'tpm', '70 used + 31 > 100');
      assert.ok((await limiter.reserve(key, { tpm: 100 }, { tokens: 30, usd: 0 }, T0)).reservation);
    });
  });
}

describe('Redis limiter when Redis is unreachable', () => {
  it('fails open to per-instance limits and marks the admission degraded', async () => {
    const limiter = new RedisLimiter('redis://127.0.0.1:1', createLogger({ level: 'silent' }), { prefix: 'rw_test_down:' });
    try {
      const key = randomUUID();
      const first = await limiter.admit(key, { rpm: 1 }, T0);
      assert.equal(first.refusal, undefined);
      assert.equal(first.degraded, true);
      const second = await limiter.admit(key, { rpm: 1 }, T0 + 1);
      assert.equal(second.refusal?.limit, 'rpm', 'the key limit still holds within this instance');
      const budget: KeyLimits = { budget: { usd: 2, period: 'day' } };
      const holds = await Promise.all(Array.from({ length: 5 }, () => limiter.reserve(key, budget, { tokens: 0, usd: 1 }, T0)));
      assert.equal(held(holds), 2, 'reservations hold per instance too');
      assert.equal(limiter.shared, false);
    } finally {
      await limiter.close();
    }
  });
});
