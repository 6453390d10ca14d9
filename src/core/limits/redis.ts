import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadOptional } from '../../runtime/optional-module.js';
import type { Logger } from '../../observability/log.js';
import { headroom, MemoryLimiter } from './memory.js';
import { DAY_MS, MINUTE_MS, periodEnd, periodStart, type Admission, type KeyLimits, type Limiter } from './types.js';

/**
 * One atomic check-and-count across every instance. Refuses without counting when any limit
 * is reached; otherwise adds the request to the sliding minute and the day counter.
 * Returns {admitted, limit, retryAfterMs, minuteCount, dayCount, minuteTokens}.
 */
const ADMIT_LUA = `
local now = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local rpd = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
local budget = tonumber(ARGV[5])
local minuteCount = 0
if rpm >= 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60000)
  minuteCount = redis.call('ZCARD', KEYS[1])
  if minuteCount >= rpm then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = 1000
    if oldest[2] then wait = tonumber(oldest[2]) + 60000 - now end
    return {0, 'rpm', wait, minuteCount, 0, 0}
  end
end
local dayCount = tonumber(redis.call('GET', KEYS[2]) or '0')
if rpd >= 0 and dayCount >= rpd then return {0, 'rpd', tonumber(ARGV[7]), minuteCount, dayCount, 0} end
local tokens = tonumber(redis.call('GET', KEYS[3]) or '0')
if tpm >= 0 and tokens >= tpm then return {0, 'tpm', 60000 - (now % 60000), minuteCount, dayCount, tokens} end
if budget >= 0 and tonumber(redis.call('GET', KEYS[4]) or '0') >= budget then
  return {0, 'budget', tonumber(ARGV[8]), minuteCount, dayCount, tokens}
end
if rpm >= 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[6])
  redis.call('PEXPIRE', KEYS[1], 60000)
  minuteCount = minuteCount + 1
end
dayCount = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[7]) + 60000)
return {1, '', 0, minuteCount, dayCount, tokens}
`;

type AdmitReply = [number, string, number, number, number, number];

interface RedisWithAdmit extends Redis {
  rankwayAdmit(k1: string, k2: string, k3: string, k4: string, ...argv: (string | number)[]): Promise<AdmitReply>;
}

/**
 * Limits shared by every instance through Redis. When Redis is unreachable the limiter fails
 * open to per-instance limits (each instance enforces the key's limits on its own traffic),
 * logs a warning once per outage and marks the admission `degraded`.
 */
export class RedisLimiter implements Limiter {
  private readonly redis: RedisWithAdmit;
  private readonly fallback = new MemoryLimiter();
  private outage = false;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly prefix = 'rankway:',
  ) {
    this.redis = new (loadOptional<typeof import('ioredis')>('ioredis').Redis)(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false }) as RedisWithAdmit;
    this.redis.on('error', () => this.noteOutage());
    this.redis.on('ready', () => {
      if (this.outage) logger.warn('Redis reachable again: rate limits are shared across instances');
      this.outage = false;
    });
    this.redis.defineCommand('rankwayAdmit', { numberOfKeys: 4, lua: ADMIT_LUA });
  }

  private keys(keyId: string, limits: KeyLimits, now: number): [string, string, string, string] {
    const base = `${this.prefix}{${keyId}}:`;
    const budget = limits.budget ? `budget:${limits.budget.period}:${periodStart(limits.budget.period, now)}` : 'budget:none';
    return [base + 'rpm', `${base}rpd:${Math.floor(now / DAY_MS)}`, `${base}tpm:${Math.floor(now / MINUTE_MS)}`, base + budget];
  }

  async admit(keyId: string, limits: KeyLimits, now: number): Promise<Admission> {
    if (this.redis.status !== 'ready') return this.degraded(keyId, limits, now);
    const [k1, k2, k3, k4] = this.keys(keyId, limits, now);
    const untilNextDay = (Math.floor(now / DAY_MS) + 1) * DAY_MS - now;
    const untilBudget = limits.budget ? periodEnd(limits.budget.period, now) - now : 0;
    let reply: AdmitReply;
    try {
      reply = await this.redis.rankwayAdmit(k1, k2, k3, k4, now, limits.rpm ?? -1, limits.rpd ?? -1, limits.tpm ?? -1,
        limits.budget?.usd ?? -1, `${now}:${randomUUID()}`, untilNextDay, untilBudget);
    } catch {
      return this.degraded(keyId, limits, now);
    }
    const [admitted, limit, retryAfterMs, minuteCount, dayCount, tokens] = reply;
    const room = headroom(limits, minuteCount, dayCount, tokens);
    if (admitted === 1) return room;
    return { ...room, refusal: { limit: limit as 'rpm', retryAfterMs: Number(retryAfterMs) } };
  }

  record(keyId: string, limits: KeyLimits, tokens: number, costUsd: number, now: number): void {
    this.fallback.record(keyId, limits, tokens, costUsd, now);
    if (this.redis.status !== 'ready' || (tokens === 0 && costUsd === 0)) return;
    const [, , tpmKey, budgetKey] = this.keys(keyId, limits, now);
    const pipeline = this.redis.multi();
    if (tokens > 0) pipeline.incrby(tpmKey, tokens).pexpire(tpmKey, 2 * MINUTE_MS);
    if (costUsd > 0 && limits.budget) {
      pipeline.incrbyfloat(budgetKey, costUsd).pexpire(budgetKey, periodEnd(limits.budget.period, now) - now + DAY_MS);
    }
    pipeline.exec().catch(() => this.noteOutage());
  }

  async seedSpend(keyId: string, period: 'day' | 'month', usd: number, now: number): Promise<void> {
    this.fallback.seedSpend(keyId, period, usd, now);
    if (this.redis.status !== 'ready') return;
    const [, , , budgetKey] = this.keys(keyId, { budget: { usd: 0, period } }, now);
    // NX: Redis is the running total; the database only fills it after Redis lost it.
    await this.redis.set(budgetKey, String(usd), 'PX', periodEnd(period, now) - now + DAY_MS, 'NX').catch(() => this.noteOutage());
  }

  private degraded(keyId: string, limits: KeyLimits, now: number): Admission {
    this.noteOutage();
    return { ...this.fallback.admit(keyId, limits, now), degraded: true };
  }

  private noteOutage(): void {
    if (this.outage) return;
    this.outage = true;
    this.logger.warn('Redis unreachable: enforcing rate limits per instance until it is back');
  }

  /** Removes this run's keys (tests share one Redis). */
  async purge(keyId: string): Promise<void> {
    const found = await this.redis.keys(`${this.prefix}{${keyId}}:*`);
    if (found.length > 0) await this.redis.del(...found);
  }

  /** Waits (bounded) for the first connection so early requests are not decided per instance. */
  async connected(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
