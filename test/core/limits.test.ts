import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemoryLimiter } from '../../src/core/limits/memory.js';
import { RedisLimiter } from '../../src/core/limits/redis.js';
import type { Limiter } from '../../src/core/limits/types.js';
import { createLogger } from '../../src/observability/log.js';
import { REDIS_URL, redisClient } from '../helpers/services.js';

const T0 = Date.UTC(2026, 4, 10, 12, 0, 30); // mid-minute, mid-day, mid-month

const limiters: { name: string; make(): Promise<{ limiter: Limiter; cleanup(): Promise<void> } | string> }[] = [
  { name: 'in-process', make: async () => ({ limiter: new MemoryLimiter(), cleanup: async () => undefined }) },
  {
    name: 'Redis',
    async make() {
      const client = await redisClient();
      if (typeof client === 'string') return client;
      const limiter = new RedisLimiter(REDIS_URL, createLogger({ level: 'silent' }), client.prefix);
      await limiter.connected(2000);
      return {
        limiter,
        async cleanup() {
          await limiter.close();
          await client.cleanup();
        },
      };
    },
  },
];

for (const { name, make } of limiters) {
  describe(`${name} limiter`, () => {
    let made: Awaited<ReturnType<typeof make>>;
    let limiter: Limiter;
    let skip: string | undefined;
    before(async () => {
      made = await make();
      if (typeof made === 'string') skip = made;
      else limiter = made.limiter;
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

    it('refuses once the minute tokens are used, and admits again next minute', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const limits = { tpm: 100 };
      assert.equal((await limiter.admit(key, limits, T0)).tokensRemaining, 100);
      limiter.record(key, limits, 100, 0, T0 + 1);
      await new Promise((r) => setTimeout(r, 50)); // Redis records are pipelined, not awaited
      const refused = await limiter.admit(key, limits, T0 + 2);
      assert.equal(refused.refusal?.limit, 'tpm');
      assert.equal((await limiter.admit(key, limits, T0 + 30_000)).refusal, undefined, 'next minute');
    });

    it('refuses once the budget is spent, counting seeded spend from the database', async (t) => {
      if (skip) return t.skip(skip);
      const key = randomUUID();
      const limits = { budget: { usd: 1, period: 'month' as const } };
      await limiter.seedSpend(key, 'month', 0.6, T0);
      assert.equal((await limiter.admit(key, limits, T0)).refusal, undefined);
      limiter.record(key, limits, 0, 0.4, T0);
      await new Promise((r) => setTimeout(r, 50));
      const refused = await limiter.admit(key, limits, T0 + 1);
      assert.equal(refused.refusal?.limit, 'budget');
      assert.equal(refused.refusal?.retryAfterMs, Date.UTC(2026, 5, 1) - (T0 + 1));
      assert.equal((await limiter.admit(key, limits, Date.UTC(2026, 5, 1, 0, 0, 1))).refusal, undefined, 'a new month');
    });
  });
}

describe('Redis limiter when Redis is unreachable', () => {
  it('fails open to per-instance limits and marks the admission degraded', async () => {
    const limiter = new RedisLimiter('redis://127.0.0.1:1', createLogger({ level: 'silent' }), 'rw_test_down:');
    try {
      const key = randomUUID();
      const first = await limiter.admit(key, { rpm: 1 }, T0);
      assert.equal(first.refusal, undefined);
      assert.equal(first.degraded, true);
      const second = await limiter.admit(key, { rpm: 1 }, T0 + 1);
      assert.equal(second.refusal?.limit, 'rpm', 'the key limit still holds within this instance');
    } finally {
      await limiter.close();
    }
  });
});
