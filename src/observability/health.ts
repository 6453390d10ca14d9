import type { Redis } from 'ioredis';

/** One dependency readiness depends on; `check` resolves when it is reachable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void> | void;
  /** Releases whatever the check holds (connections); called on shutdown. */
  close?(): Promise<void>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Record<string, 'ok' | string>;
}

/**
 * Runs every check in parallel, each bounded by `timeoutMs`, so `/readyz` answers quickly
 * even when a dependency hangs. Failure reasons are generic (no hosts, users or URLs).
 */
export async function runChecks(checks: readonly ReadinessCheck[], timeoutMs = 2000): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(() => c.check()),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
          }),
        ]);
        return [c.name, 'ok'];
      } catch (err) {
        return [c.name, (err as Error).message === 'timed out' ? 'timed out' : 'unreachable'];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const out: Record<string, string> = {};
  for (const [name, state] of results) out[name] = state;
  return { ready: results.every(([, s]) => s === 'ok'), checks: out };
}

/** Redis reachable: `PING` on a connection that never queues commands while disconnected. */
export function redisCheck(url: string): ReadinessCheck {
  let redis: Redis | undefined;
  return {
    name: 'redis',
    async check() {
      if (!redis) {
        const { Redis } = await import('ioredis');
        redis = new Redis(url, {
          lazyConnect: true,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          connectTimeout: 1500,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        });
        redis.on('error', () => {
          // Reported through the check result, not as an unhandled error event.
        });
      }
      if (redis.status === 'wait' || redis.status === 'end') await redis.connect();
      await redis.ping();
    },
    async close() {
      redis?.disconnect();
    },
  };
}
