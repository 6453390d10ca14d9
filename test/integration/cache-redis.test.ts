import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';
import type { RedisPairCache } from '../../src/core/cache/redis.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function redisReachable(): Promise<boolean> {
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1_000, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

const reachable = await redisReachable();
if (!reachable && process.env.CI === 'true') throw new Error(`Redis at ${REDIS_URL} is unreachable and CI=true`);
const skip = reachable ? false : `Redis at ${REDIS_URL} is unreachable`;

describe('pair cache shared through Redis by two instances', { skip }, () => {
  const prefix = `rankway-test:${randomUUID()}:`;
  let cohere: FakeServer;
  const otherPrefix = `rankway-test:${randomUUID()}:`;
  let a: RunningGateway;
  let b: RunningGateway;
  let other: RunningGateway;
  let redis: Redis;

  before(async () => {
    redis = new Redis(REDIS_URL);
    cohere = await startFakeCohere({ apiKey: 'ck' });
    const config = (redisPrefix: string) => ({
      providers: [{ name: 'cohere', type: 'cohere', api_key: 'ck', base_url: cohere.url }],
      storage: { redis_url: REDIS_URL, redis_prefix: redisPrefix },
      cache: { ttl_seconds: 120 },
    });
    a = await startGateway(config(prefix));
    b = await startGateway(config(prefix));
    // Another deployment on the same Redis: its own prefix.
    other = await startGateway(config(otherPrefix));
    await Promise.all([a, b, other].map((gw) => (gw.gateway.pairCache as RedisPairCache).whenReady()));
  });
  after(async () => {
    await a.close();
    await b.close();
    await other.close();
    await cohere.close();
    for (const p of [prefix, otherPrefix]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    await redis.quit();
  });

  it('scores stored by one instance are served by the other', async () => {
    const documents = Array.from({ length: 30 }, (_, i) => `shared document ${i} about ${i % 4 === 0 ? 'redis cache' : 'something'}`);
    const body = { model: 'cohere/rerank-v3.5', query: 'redis cache', documents, top_n: 5 };
    const first = await a.post('/v1/rerank', body);
    assert.equal(first.status, 200);
    assert.deepEqual(first.json.extra_fields.cache, { hits: 0, misses: 30 });
    assert.equal(cohere.requests.length, 1);

    // Writes are pipelined after the answer; wait until they have landed.
    for (let i = 0; i < 50; i++) {
      const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length >= 30) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const second = await b.post('/v1/rerank', body);
    assert.equal(second.status, 200);
    assert.deepEqual(second.json.extra_fields.cache, { hits: 30, misses: 0 });
    assert.equal(cohere.requests.length, 1);
    assert.deepEqual(second.json.results, first.json.results);
    const ttl = await redis.ttl((await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000))[1][0]);
    assert.ok(ttl > 0 && ttl <= 120);

    // storage.redis_prefix covers the score cache: another deployment gets no hits from this one's work.
    const elsewhere = await other.post('/v1/rerank', body);
    assert.equal(elsewhere.status, 200);
    assert.deepEqual(elsewhere.json.extra_fields.cache, { hits: 0, misses: 30 });
    assert.equal(cohere.requests.length, 2);
    await until(async () => (await scanAll(redis, `${otherPrefix}pairs:*`)).length >= 30);
    assert.equal((await scanAll(redis, `${prefix}pairs:*`)).length, 30, 'score keys sit under the deployment prefix');
  });
});

async function scanAll(redis: Redis, match: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    out.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return out;
}

async function until(ok: () => Promise<boolean>, limitMs = 3000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > limitMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('pair cache with Redis down', () => {
  it('serves requests as cache misses, without errors or waiting', async () => {
    const cohere = await startFakeCohere({ apiKey: 'ck' });
    const gw = await startGateway({
      providers: [{ name: 'cohere', type: 'cohere', api_key: 'ck', base_url: cohere.url }],
      storage: { redis_url: 'redis://127.0.0.1:1' },
    });
    try {
      const body = { model: 'cohere/rerank-v3.5', query: 'q', documents: ['a', 'b', 'c'] };
      for (let i = 0; i < 2; i++) {
        const res = await gw.post('/v1/rerank', body);
        assert.equal(res.status, 200);
        assert.deepEqual(res.json.extra_fields.cache, { hits: 0, misses: 3 });
      }
      assert.equal(cohere.requests.length, 2);
    } finally {
      await gw.close();
      await cohere.close();
    }
  });
});
