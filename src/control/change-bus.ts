import type { Redis } from 'ioredis';
import { loadOptional } from '../runtime/optional-module.js';
import type { Logger } from '../observability/log.js';
import type { ResourceChange } from '../store/repository.js';

/**
 * Tells the other instances which resource changed and the feed version that change made
 * (`{"kind","id","version"}`), so they read the feed at once instead of at their next poll, and
 * skip it when they have that version already. Only a hint: the change feed in the database
 * stays the source of truth, and polling still catches anything a lost message missed.
 */
export class RedisChangeBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly channel: string;

  constructor(url: string, prefix: string, onChange: (version: number | undefined) => void, logger: Logger) {
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000 };
    const { Redis: RedisClient } = loadOptional<typeof import('ioredis')>('ioredis');
    this.pub = new RedisClient(url, options);
    this.sub = new RedisClient(url, { ...options, enableOfflineQueue: true });
    this.channel = `${prefix}control-changes`;
    // Errors are the limiter's to report; the bus just goes quiet until Redis is back.
    this.pub.on('error', () => undefined);
    this.sub.on('error', () => undefined);
    this.sub.subscribe(this.channel).catch((err) => logger.debug({ err }, 'change bus subscribe failed'));
    this.sub.on('message', (channel, message: string) => {
      if (channel === this.channel) onChange(versionOf(message));
    });
  }

  publish(change: ResourceChange): void {
    const message = JSON.stringify({ kind: change.kind, id: change.id, version: change.version });
    if (this.pub.status === 'ready') this.pub.publish(this.channel, message).catch(() => undefined);
  }

  close(): void {
    this.pub.disconnect();
    this.sub.disconnect();
  }
}

/** The version a message announces; undefined for anything else (then the feed is read anyway). */
function versionOf(message: string): number | undefined {
  try {
    const v = (JSON.parse(message) as { version?: unknown }).version;
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
