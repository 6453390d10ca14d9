import type { GatewayConfig } from '../../config/load.js';
import type { Logger } from '../../observability/log.js';
import { MemoryPairCache } from './memory.js';
import type { PairCache } from './pair-cache.js';
import { RedisPairCache } from './redis.js';

export type { PairCache } from './pair-cache.js';

/** Redis when `storage.redis_url` (or REDIS_URL) is set, so instances share; else in-process. */
export function createPairCache(config: GatewayConfig, logger: Logger): PairCache {
  const c = config.cache;
  if (config.storage.redis_url) {
    return new RedisPairCache({
      url: config.storage.redis_url,
      // Under the deployment's prefix, like every other key Rankway writes.
      keyPrefix: `${config.storage.redis_prefix}${c.redis_key_prefix}`,
      ttlSeconds: c.ttl_seconds,
      timeoutMs: c.redis_timeout_ms,
      logger,
    });
  }
  return new MemoryPairCache({ ttlMs: c.ttl_seconds * 1000, maxBytes: c.max_bytes });
}
