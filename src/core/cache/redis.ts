import { Redis } from 'ioredis';
import type { Logger } from '../../observability/log.js';
import type { PairCache } from './pair-cache.js';

export interface RedisPairCacheOptions {
  readonly url: string;
  readonly keyPrefix: string;
  readonly ttlSeconds: number;
  /** Lookups slower than this are answered as misses. */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/**
 * Pair scores in Redis, shared by every Rankway instance: one MGET per request, one
 * pipelined `SET key score EX ttl` batch for the fresh scores. Redis trouble never fails a
 * request: lookups degrade to misses and writes are dropped (and logged, rate-limited).
 */
export class RedisPairCache implements PairCache {
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(private readonly options: RedisPairCacheOptions) {
    this.redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    this.redis.on('error', (err: Error) => this.warn(err));
  }

  /** Resolves once connected (tests and warm-up); the cache works, as misses, before that. */
  whenReady(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise((resolve) => this.redis.once('ready', () => resolve()));
  }

  async getMany(keys: readonly string[]): Promise<Array<number | undefined>> {
    if (keys.length === 0) return [];
    // Not connected: answer misses at once rather than wait for the timeout on every request.
    if (this.redis.status !== 'ready') return misses(keys.length);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), this.options.timeoutMs);
    });
    try {
      const values = await Promise.race([this.redis.mget(keys as string[]), timeout]);
      if (values === null) return misses(keys.length);
      return values.map((v) => (v === null ? undefined : Number(v)));
    } catch (err) {
      this.warn(err as Error);
      return misses(keys.length);
    } finally {
      clearTimeout(timer);
    }
  }

  setMany(keys: readonly string[], scores: readonly number[]): void {
    if (keys.length === 0 || this.redis.status !== 'ready') return;
    const pipeline = this.redis.pipeline();
    // String(number) round-trips a double exactly.
    for (let i = 0; i < keys.length; i++) pipeline.set(keys[i], String(scores[i]), 'EX', this.options.ttlSeconds);
    pipeline.exec().catch((err: Error) => this.warn(err));
  }

  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private warn(err: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < 60_000) return;
    this.lastWarning = now;
    this.options.logger.warn({ err: err.message }, 'pair cache: redis unavailable, treating lookups as misses');
  }
}

const misses = (n: number): Array<number | undefined> => new Array<number | undefined>(n).fill(undefined);
