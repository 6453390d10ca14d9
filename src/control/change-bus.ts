import type { Redis } from 'ioredis';
import { loadOptional } from '../runtime/optional-module.js';
import type { Logger } from '../observability/log.js';

/**
 * Tells the other instances that the database changed, so they rebuild at once instead of at
 * their next poll. Only a hint: the change feed in the database stays the source of truth, and
 * polling still catches anything a lost message missed.
 */
export class RedisChangeBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;

  constructor(url: string, prefix: string, onChange: () => void, logger: Logger) {
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
    const { Redis: RedisClient } = loadOptional<typeof import('ioredis')>('ioredis');
    this.pub = new RedisClient(url, options);
    this.sub = new RedisClient(url, { ...options, enableOfflineQueue: true });
    this.channel = `${prefix}control-changes`;
    // Errors are the limiter's to report; the bus just goes quiet until Redis is back.
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.sub.subscribe(this.channel).catch((err) => logger.debug({ err }, 'change bus subscribe failed'));
    this.sub.on('message', (channel) => {
      if (channel === this.channel) onChange();
    });
  }

  publish(): void {
    if (this.pub.status === 'ready') this.pub.publish(this.channel, String(Date.now())).catch(() => undefined);
  }

  close(): void {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
