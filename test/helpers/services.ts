import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

/**
 * The machine's PostgreSQL and Redis, shared with other test runs: every run works in its own
 * schema / key prefix and removes it afterwards. When a server is unreachable the test is
 * skipped with the reason, except under CI=true, where that is a failure.
 */
export const PG_BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function reachablePg(): Promise<string | undefined> {
  for (const url of [PG_BASE, PG_BASE.replace('postgres@', 'root@')]) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return url;
    } catch {
      // try the next user
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  return undefined;
}

/** A connection URL whose search_path is a fresh schema; `drop()` removes it. */
export interface PgSchema {
  readonly url: string;
  readonly schema: string;
  /** Runs SQL on a connection outside the schema: qualify table names with `schema`. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

/** A fresh schema, or a skip reason (throws under CI=true when PostgreSQL is unreachable). */
export async function pgSchema(): Promise<PgSchema | string> {
  const base = await reachablePg();
  if (!base) return unreachable('PostgreSQL on 127.0.0.1:5432 (database test)');
  const schema = `rw_test_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const url = `${base}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  return {
    url,
    schema,
    query: (sql, params) => admin.query(sql, params),
    async drop() {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/** A connected Redis client with a unique key prefix, or a skip reason. */
export async function redisClient(): Promise<{ redis: Redis; prefix: string; cleanup(): Promise<void> } | string> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    redis.disconnect();
    return unreachable('Redis on 127.0.0.1:6379');
  }
  const prefix = `rw_test_${randomBytes(4).toString('hex')}:`;
  return {
    redis,
    prefix,
    async cleanup() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

function unreachable(what: string): string {
  const reason = `${what} is not reachable`;
  if (process.env.CI === 'true') throw new Error(`${reason} (CI=true: shared-state tests must run)`);
  return reason;
}

export type RedisForTest = Exclude<Awaited<ReturnType<typeof redisClient>>, string>;

/**
 * PostgreSQL (a fresh schema) and Redis (a fresh key prefix) together, as a fleet of instances
 * shares them; or the skip reason when either is unreachable (the other one is released).
 */
export async function sharedServices(): Promise<{ pg: PgSchema; redis: RedisForTest } | string> {
  const pg = await pgSchema();
  const redis = await redisClient();
  if (typeof pg !== 'string' && typeof redis !== 'string') return { pg, redis };
  if (typeof pg !== 'string') await pg.drop();
  if (typeof redis !== 'string') await redis.cleanup();
  return typeof pg === 'string' ? pg : (redis as string);
}
