import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RedisLimiter } from '../../src/core/limits/redis.js';
import type { KeyLimits, SpendSeed } from '../../src/core/limits/types.js';
import { createLogger } from '../../src/observability/log.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../helpers/throwaway-redis.js';
import { waitFor } from '../helpers/wait-for.js';

/** A logger whose lines a test can read. */
function capturingLogger() {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line).msg) } });
  return { logger, lines };
}

const BUDGET: KeyLimits = { budget: { usd: 10, period: 'day' } };

/** Redis itself failing: paused (SIGSTOP), flushed. Each test has a private redis-server. */
describe('Redis limiter under Redis faults', () => {
  let redis: ThrowawayRedis;
  before(async () => {
    redis = await startThrowawayRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  it('paused Redis: answers within the command timeout, per instance, then shared again after resume', async () => {
    const { logger, lines } = capturingLogger();
    const limiter = new RedisLimiter(redis.url, logger, { prefix: `p${randomUUID()}:`, commandTimeoutMs: 40, failures: 2, probeMs: 100 });
    try {
      assert.ok(await limiter.connected(2000));
      const key = randomUUID();
      await waitFor(() => limiter.shared, { timeoutMs: 5000, message: 'shared limits' });
      const before = await limiter.reserve(key, BUDGET, { tokens: 0, usd: 1 }, Date.now());
      assert.ok(before.reservation);

      redis.pause();
      let t0 = performance.now();
      const during = await Promise.all(Array.from({ length: 10 }, () => limiter.reserve(key, BUDGET, { tokens: 0, usd: 0.5 }, Date.now())));
      const firstWave = performance.now() - t0;
      // Without the command timeout these wait until Redis resumes (this test resumes it only later).
      assert.ok(firstWave < 1000, `decided within the timeout (${firstWave.toFixed(0)} ms)`);
      assert.ok(
        during.every((r) => r.degraded && r.reservation && !r.reservation.shared),
        'per-instance holds',
      );
      assert.equal(limiter.shared, false);
      t0 = performance.now();
      const admitted = await limiter.admit(key, { rpm: 100 }, Date.now());
      assert.ok(performance.now() - t0 < 10, 'with the circuit open nothing waits for Redis');
      assert.equal(admitted.degraded, true);
      for (const r of during) limiter.settle(r.reservation!, 0, 0);
      // The request that held $1 before the pause settles while Redis is away: kept for later.
      limiter.settle(before.reservation!, 0, 0.25);

      redis.resume();
      await waitFor(() => limiter.shared, { timeoutMs: 5000, message: 'shared limits again' });
      if (before.reservation!.shared) {
        await waitFor(
          async () =>
            (await redis.client.keys('*spend*')).length > 0 &&
            Number(await redis.client.get((await redis.client.keys('*spend*'))[0])) === 0.25e9,
          { timeoutMs: 3000, message: 'settles sent after recovery, late holds undone' },
        );
      }
      const after = await limiter.reserve(key, BUDGET, { tokens: 0, usd: 1 }, Date.now());
      assert.ok(after.reservation);
      // One line per change of state: they alternate, starting with the switch to per instance.
      const changes = lines.filter((l) => /unreachable or too slow|answers again/.test(l));
      assert.ok(changes.length >= 2 && changes.length % 2 === 0, lines.join('\n'));
      for (const [i, l] of changes.entries()) assert.match(l, i % 2 === 0 ? /unreachable or too slow/ : /answers again/);
    } finally {
      redis.resume();
      await limiter.close();
    }
  });

  it('FLUSHALL: a $10 budget with $4 spent allows exactly $6 more, re-seeded from the database', async () => {
    const prefix = `f${randomUUID()}:`;
    const key = randomUUID();
    let database = 0;
    const seeder = async (): Promise<SpendSeed[]> => [{ keyId: key, period: 'day', usd: database }];
    // A generous timeout: this test is about the re-seed, not about a loaded machine's scheduling.
    const limiter = new RedisLimiter(redis.url, createLogger({ level: 'silent' }), { prefix, commandTimeoutMs: 1000 });
    limiter.useSeeder(seeder);
    try {
      assert.ok(await limiter.connected(2000));
      await limiter.seedSpend(await seeder(), Date.now());
      for (let i = 0; i < 4; i++) {
        const r = await limiter.reserve(key, BUDGET, { tokens: 0, usd: 1 }, Date.now());
        limiter.settle(r.reservation!, 0, 1);
        database += 1; // the usage record reaches the database
      }
      await limiter.flush();
      await redis.client.flushall();
      const results = await Promise.all(Array.from({ length: 30 }, () => limiter.reserve(key, BUDGET, { tokens: 0, usd: 1 }, Date.now())));
      assert.equal(results.filter((r) => r.reservation).length, 6);
      assert.ok(
        results.every((r) => !r.degraded),
        'decided in Redis after the re-seed',
      );
    } finally {
      await limiter.close();
    }
  });

  it('Redis killed: per instance at once, without waiting', async () => {
    const own = await startThrowawayRedis();
    const limiter = new RedisLimiter(own.url, createLogger({ level: 'silent' }), { prefix: 'k:', probeMs: 100 });
    try {
      assert.ok(await limiter.connected(2000));
      await own.stop();
      await waitFor(() => !limiter.shared, { timeoutMs: 2000, message: 'per-instance limits' });
      const t0 = performance.now();
      const r = await limiter.reserve(randomUUID(), BUDGET, { tokens: 0, usd: 1 }, Date.now());
      assert.ok(performance.now() - t0 < 10);
      assert.equal(r.degraded, true);
    } finally {
      await limiter.close();
    }
  });
});
