import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient } from '../helpers/admin.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import { pgSchema, REDIS_URL, type PgSchema, sharedServices } from '../helpers/services.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../helpers/throwaway-redis.js';
import { waitFor } from '../helpers/wait-for.js';
import { rerankBody, reservationConfig, slowCohere } from '../helpers/limits-fixtures.js';

const ADMIN_KEY = 'rk-admin-limits-shared';
const ENV = { RANKWAY_ADMIN_KEY: ADMIN_KEY, RANKWAY_SECRET_KEY: 'one-secret-for-every-instance' };
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Three gateways sharing one PostgreSQL schema and one Redis, as a fleet runs. */
async function startFleet(
  cohereUrl: string,
  databaseUrl: string,
  redisUrl: string,
  prefix: string,
  timeoutMs?: number,
): Promise<RunningGateway[]> {
  const config = reservationConfig(cohereUrl);
  const storage = {
    database_url: databaseUrl,
    redis_url: redisUrl,
    redis_prefix: prefix,
    ...(timeoutMs ? { redis_limits_timeout_ms: timeoutMs } : {}),
  };
  const first = await startGateway({ ...config, storage }, ENV, { refreshIntervalMs: 100 });
  const rest = await Promise.all([1, 2].map(() => startGateway({ ...config, storage }, ENV, { refreshIntervalMs: 100 })));
  return [first, ...rest];
}

/** Creates a budgeted key through one instance and waits until every instance knows it. */
async function budgetKey(fleet: RunningGateway[], plaintext: string, usd: number, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await adminClient(fleet[0].adminUrl, ADMIN_KEY).call('POST', '/admin/v1/apikeys', {
    key_hash: sha256Hex(plaintext),
    budget: { usd, period: 'day' },
    ...extra,
  });
  assert.equal(res.status, 201, res.text);
  for (const gw of fleet)
    await waitFor(async () => (await fetch(`${gw.url}/v1/models`, { headers: bearer(plaintext) })).status === 200, {
      timeoutMs: 5000,
      message: 'the key everywhere',
    });
}

/** 30 concurrent $1 reranks spread over the fleet; returns how many were served. */
async function burst(fleet: RunningGateway[], plaintext: string, n = 30): Promise<number> {
  const answers = await Promise.all(
    Array.from({ length: n }, (_, i) => fleet[i % fleet.length].post('/v1/rerank', rerankBody(), bearer(plaintext))),
  );
  for (const a of answers)
    assert.ok(a.status === 200 || (a.status === 429 && a.json.error.code === 'budget_exceeded'), JSON.stringify(a.json));
  return answers.filter((a) => a.status === 200).length;
}

describe('budgets across three instances sharing Redis', () => {
  let schema: PgSchema | undefined;
  let redisCleanup: (() => Promise<void>) | undefined;
  let cohere: FakeServer;
  let fleet: RunningGateway[] = [];
  let skip: string | undefined;

  before(async () => {
    const services = await sharedServices();
    if (typeof services === 'string') {
      skip = services;
      return;
    }
    const { pg, redis } = services;
    schema = pg;
    redisCleanup = redis.cleanup;
    cohere = await slowCohere(150);
    // A generous command timeout: on a loaded test machine a scheduling stall must not switch
    // limits to per instance in the middle of a test about exact shared counting.
    fleet = await startFleet(cohere.url, pg.url, REDIS_URL, redis.prefix, 1000);
  });
  after(async () => {
    await Promise.all(fleet.map((g) => g.close()));
    await cohere?.close();
    await redisCleanup?.();
    await schema?.drop();
  });

  it('30 concurrent $1 reranks against a $5 budget over three instances: exactly 5 served', async (t) => {
    if (skip) return t.skip(skip);
    await budgetKey(fleet, 'fleet-five', 5);
    assert.equal(await burst(fleet, 'fleet-five'), 5);
    assert.ok(fleet.every((g) => g.gateway.limiter.shared));
  });
});

describe('three instances on a Redis that is flushed and paused', () => {
  let schema: PgSchema | undefined;
  let redis: ThrowawayRedis;
  let cohere: FakeServer;
  let fleet: RunningGateway[] = [];
  let skip: string | undefined;

  before(async () => {
    const pg = await pgSchema();
    if (typeof pg === 'string') {
      skip = pg;
      return;
    }
    schema = pg;
    redis = await startThrowawayRedis();
    cohere = await slowCohere(20);
    fleet = await startFleet(cohere.url, pg.url, redis.url, 'rw:', 1000);
  });
  after(async () => {
    redis?.resume();
    await Promise.all(fleet.map((g) => g.close()));
    await cohere?.close();
    await redis?.stop();
    await schema?.drop();
  });

  it('FLUSHALL: a $10 budget with $4 spent allows exactly $6 more', async (t) => {
    if (skip) return t.skip(skip);
    await budgetKey(fleet, 'flushed', 10);
    for (let i = 0; i < 4; i++) assert.equal((await fleet[i % 3].post('/v1/rerank', rerankBody(), bearer('flushed'))).status, 200);
    // The usage records (the authoritative spend) are in the database before Redis loses its data.
    await Promise.all(fleet.map((g) => g.gateway.usage.flush()));
    await redis.client.flushall();
    assert.equal(await burst(fleet, 'flushed'), 6);
  });

  it('paused Redis: limited keys answer within ~100 ms of their normal latency, then limits are shared again', async (t) => {
    if (skip) return t.skip(skip);
    // This fleet keeps the default command timeout (30 ms).
    await Promise.all(fleet.map((g) => g.close()));
    fleet = await startFleet(cohere.url, schema!.url, redis.url, 'rw:');
    await budgetKey(fleet, 'paused', 1000, { rpm: 10_000 });
    const timed = async (gw: RunningGateway) => {
      const t0 = performance.now();
      const res = await gw.post('/v1/rerank', rerankBody(), bearer('paused'));
      assert.equal(res.status, 200, JSON.stringify(res.json));
      return performance.now() - t0;
    };
    const normal: number[] = [];
    for (let i = 0; i < 9; i++) normal.push(await timed(fleet[i % 3]));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    redis.pause();
    const paused: number[] = [];
    for (let i = 0; i < 30; i++) paused.push(await timed(fleet[i % 3]));
    const figures = `normal p50 ${median(normal).toFixed(0)} ms, paused p50 ${median(paused).toFixed(0)} ms, max ${Math.max(...paused).toFixed(0)} ms`;
    t.diagnostic(figures);
    assert.ok(median(paused) < median(normal) + 100, figures);
    // Before the breaker, a paused Redis held requests for seconds (p50 6.5 s).
    assert.ok(Math.max(...paused) < 1000, figures);
    assert.ok(fleet.every((g) => !g.gateway.limiter.shared));
    const metrics = await (await fetch(`${fleet[0].adminUrl}/metrics`)).text();
    assert.match(metrics, /^rankway_limits_shared 0$/m);
    redis.resume();
    await waitFor(() => fleet.every((g) => g.gateway.limiter.shared), { timeoutMs: 5000, message: 'shared limits after resume' });
    assert.match(await (await fetch(`${fleet[0].adminUrl}/metrics`)).text(), /^rankway_limits_shared 1$/m);
  });
});
