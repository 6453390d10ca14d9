import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { loadOptional } from '../../runtime/optional-module.js';
import type { Logger } from '../../observability/log.js';
import { Breaker } from './breaker.js';
import { headroom, MemoryLimiter } from './memory.js';
import { ADMIT_LUA, RESERVE_LUA, SEED_LUA, SETTLE_LUA } from './redis-scripts.js';
import { SettleBatch } from './settle-batch.js';
import {
  DAY_MS,
  MINUTE_MS,
  periodEnd,
  periodStart,
  toNanoUsd,
  type Admission,
  type KeyLimits,
  type Limiter,
  type Reservation,
  type ReserveResult,
  type SpendSeed,
  type Want,
} from './types.js';

type AdmitReply = [number, string, number, number, number, number];

interface LimiterRedis extends Redis {
  rankwayAdmit(k1: string, k2: string, k3: string, k4: string, ...argv: (string | number)[]): Promise<AdmitReply>;
  rankwayReserve(k1: string, k2: string, k3: string, ...argv: (string | number)[]): Promise<[number, number]>;
  rankwaySettle(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
  rankwaySeed(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

/** Tuning of the shared limiter; the defaults suit a Redis on the same network. */
export interface RedisLimiterOptions {
  readonly prefix?: string;
  /** A limiter command slower than this counts as failed (default 30 ms). */
  readonly commandTimeoutMs?: number;
  /** Failures in a row before limits go per instance (default 2). */
  readonly failures?: number;
  /** How often Redis is probed while limits are per instance (default 500 ms). */
  readonly probeMs?: number;
  /** How long settle updates are coalesced (default 5 ms). */
  readonly settleFlushMs?: number;
}

/** Supplies every budgeted key's spend from the database (the control plane). */
export type SpendSeeder = () => Promise<readonly SpendSeed[]>;

/**
 * Limits shared by every instance through Redis. Every command has a timeout and runs behind
 * a circuit breaker: when Redis fails or hangs, limits fall back to this instance's own
 * counters (each instance enforces the key's limits on its own traffic) until a probe finds
 * Redis again. One log line marks each change, `shared` tells which mode is in force.
 * Spend counters carry an epoch key: when it is missing Redis lost its data, and the
 * counters are re-seeded from the database before any reservation trusts them.
 */
export class RedisLimiter implements Limiter {
  private readonly redis: LimiterRedis;
  private readonly fallback = new MemoryLimiter();
  private readonly breaker: Breaker;
  private readonly batch: SettleBatch;
  private readonly prefix: string;
  private seeder?: SpendSeeder;
  private seeding?: Promise<boolean>;
  private lastSeedFailure = 0;

  constructor(
    url: string,
    private readonly logger: Logger,
    options: RedisLimiterOptions | string = {},
  ) {
    const opts: RedisLimiterOptions = typeof options === 'string' ? { prefix: options } : options;
    this.prefix = opts.prefix ?? 'rankway:';
    this.redis = new (loadOptional<typeof import('ioredis')>('ioredis').Redis)(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      // Commands issued in the same tick share one write: a busy instance pays far fewer syscalls.
      enableAutoPipelining: true,
      // A command that timed out was already decided locally: never send it again on reconnect.
      autoResendUnfulfilledCommands: false,
    }) as LimiterRedis;
    this.breaker = new Breaker({
      timeoutMs: opts.commandTimeoutMs ?? 30,
      failures: opts.failures ?? 2,
      probeMs: opts.probeMs ?? 500,
      probe: async () => {
        if (this.redis.status !== 'ready') throw new Error('not connected');
        await this.redis.ping();
      },
      onChange: (shared) => this.changed(shared),
    });
    this.batch = new SettleBatch({
      send: (keys, deltas) => this.redis.rankwaySettle(keys.length, ...keys, ...deltas),
      canSend: () => this.shared,
      flushMs: opts.settleFlushMs ?? 5,
      maxPending: 100_000,
    });
    this.redis.on('error', () => this.breaker.trip());
    this.redis.on('close', () => this.breaker.trip());
    this.redis.defineCommand('rankwayAdmit', { numberOfKeys: 4, lua: ADMIT_LUA });
    this.redis.defineCommand('rankwayReserve', { numberOfKeys: 3, lua: RESERVE_LUA });
    this.redis.defineCommand('rankwaySettle', { lua: SETTLE_LUA });
    this.redis.defineCommand('rankwaySeed', { lua: SEED_LUA });
  }

  /** Where re-seeding after a data loss reads the database's spend totals. */
  useSeeder(seeder: SpendSeeder): void {
    this.seeder = seeder;
  }

  get shared(): boolean {
    return this.breaker.closed && this.redis.status === 'ready';
  }

  private changed(shared: boolean): void {
    if (shared) {
      this.logger.warn('Redis answers again: rate limits and budgets are shared across instances');
      void this.batch.flush();
      // Spend decided per instance meanwhile is in the database: raise the counters to it.
      if (this.seeder)
        void this.seeder().then(
          (seeds) => this.seedSpend(seeds, Date.now()),
          () => undefined,
        );
    } else {
      this.logger.warn('Redis unreachable or too slow: rate limits and budgets are enforced per instance until it is back');
    }
  }

  private base(keyId: string): string {
    return `${this.prefix}{${keyId}}:`;
  }

  private tpmKey(keyId: string, minute: number): string {
    return `${this.base(keyId)}tpm:${minute}`;
  }

  private spendKey(keyId: string, period: 'day' | 'month', start: number): string {
    return `${this.base(keyId)}spend:${period}:${start}`;
  }

  private get epochKey(): string {
    return `${this.prefix}limits:epoch`;
  }

  private usable(): boolean {
    if (this.redis.status === 'ready') return this.breaker.closed;
    this.breaker.trip();
    return false;
  }

  async admit(keyId: string, limits: KeyLimits, now: number): Promise<Admission> {
    if (!this.usable()) return this.degradedAdmit(keyId, limits, now);
    const base = this.base(keyId);
    const budget = limits.budget;
    const spendKey = budget ? this.spendKey(keyId, budget.period, periodStart(budget.period, now)) : base + 'spend:none';
    const day = Math.floor(now / DAY_MS);
    const untilNextDay = (day + 1) * DAY_MS - now;
    const untilBudget = budget ? periodEnd(budget.period, now) - now : 0;
    const reply = await this.breaker.run(() =>
      this.redis.rankwayAdmit(
        base + 'rpm',
        `${base}rpd:${day}`,
        this.tpmKey(keyId, Math.floor(now / MINUTE_MS)),
        spendKey,
        now,
        limits.rpm ?? -1,
        limits.rpd ?? -1,
        limits.tpm ?? -1,
        budget ? toNanoUsd(budget.usd) : -1,
        `${now}:${randomUUID()}`,
        untilNextDay,
        untilBudget,
      ),
    );
    if (!reply) return this.degradedAdmit(keyId, limits, now);
    const [admitted, limit, retryAfterMs, minuteCount, dayCount, tokens] = reply;
    const room = headroom(limits, minuteCount, dayCount, tokens);
    if (admitted === 1) return room;
    return { ...room, refusal: { limit: limit as 'rpm', retryAfterMs: Number(retryAfterMs) } };
  }

  async reserve(keyId: string, limits: KeyLimits, want: Want, now: number): Promise<ReserveResult> {
    if (!this.usable()) return this.degradedReserve(keyId, limits, want, now);
    const minute = Math.floor(now / MINUTE_MS);
    const budget = limits.budget;
    const start = budget ? periodStart(budget.period, now) : 0;
    const tokens = limits.tpm === undefined ? 0 : Math.max(0, Math.ceil(want.tokens));
    const nusd = budget === undefined ? 0 : Math.max(0, toNanoUsd(want.usd));
    const tpmKey = this.tpmKey(keyId, minute);
    const spendKey = budget ? this.spendKey(keyId, budget.period, start) : this.base(keyId) + 'spend:none';
    const ttlSpend = budget ? periodEnd(budget.period, now) - now + DAY_MS : 0;
    const send = () =>
      this.redis.rankwayReserve(
        this.epochKey,
        tpmKey,
        spendKey,
        limits.tpm ?? -1,
        tokens,
        budget ? toNanoUsd(budget.usd) : -1,
        nusd,
        2 * MINUTE_MS,
        ttlSpend,
      );
    // Answered after its timeout: the hold exists in Redis although this request was decided locally.
    const undo = (late: [number, number]) => {
      if (late[0] !== 1) return;
      this.batch.add(tpmKey, -tokens);
      this.batch.add(spendKey, -nusd);
    };
    let reply = await this.breaker.run(send, undo);
    if (reply && reply[0] === -1) {
      if (!(await this.ensureEpoch())) return this.degradedReserve(keyId, limits, want, now);
      reply = await this.breaker.run(send, undo);
      if (reply && reply[0] === -1) return this.degradedReserve(keyId, limits, want, now);
    }
    if (!reply) return this.degradedReserve(keyId, limits, want, now);
    const [status, minuteTokens] = reply;
    const tokensRemaining = limits.tpm === undefined ? undefined : Math.max(0, limits.tpm - minuteTokens);
    if (status === 0) {
      return { refusal: { limit: 'tpm', retryAfterMs: (minute + 1) * MINUTE_MS - now, tooLarge: tokens > limits.tpm! }, tokensRemaining };
    }
    if (status === 2) {
      return { refusal: { limit: 'budget', retryAfterMs: periodEnd(budget!.period, now) - now, tooLarge: nusd > toNanoUsd(budget!.usd) } };
    }
    return { reservation: { keyId, limits, tokens, minute, nusd, periodStart: start, shared: true }, tokensRemaining };
  }

  settle(r: Reservation, tokens: number, usd: number): void {
    if (!r.shared) {
      this.fallback.settle(r, tokens, usd);
      return;
    }
    // This instance's own use, kept so that per-instance limits start from it if Redis goes away.
    this.fallback.record(r.keyId, r.limits, tokens, usd, Date.now());
    if (r.limits.tpm !== undefined) this.batch.add(this.tpmKey(r.keyId, r.minute), Math.ceil(tokens) - r.tokens);
    const budget = r.limits.budget;
    if (budget !== undefined) this.batch.add(this.spendKey(r.keyId, budget.period, r.periodStart), toNanoUsd(usd) - r.nusd);
  }

  /** Sends the coalesced settle updates now (tests, shutdown). */
  flush(): Promise<void> {
    return this.batch.flush();
  }

  /**
   * Raises spend counters to the database's totals. `seeds` lists every budgeted key, so
   * afterwards the counters are complete and the epoch key can say so.
   */
  async seedSpend(seeds: readonly SpendSeed[], now: number): Promise<void> {
    this.fallback.seedSpend(seeds, now);
    if (!this.shared) return;
    await this.writeSeeds(seeds, now, true).catch(() => this.breaker.trip());
  }

  private async writeSeeds(seeds: readonly SpendSeed[], now: number, epoch: boolean): Promise<void> {
    const CHUNK = 1000;
    for (let i = 0; i < seeds.length || i === 0; i += CHUNK) {
      const part = seeds.slice(i, i + CHUNK);
      const last = i + CHUNK >= seeds.length;
      const keys: string[] = [this.epochKey];
      const args: (string | number)[] = [epoch && last ? `${now}:${randomUUID()}` : ''];
      for (const s of part) {
        keys.push(this.spendKey(s.keyId, s.period, periodStart(s.period, now)));
        args.push(toNanoUsd(s.usd), periodEnd(s.period, now) - now + DAY_MS);
      }
      await this.redis.rankwaySeed(keys.length, ...keys, ...args);
    }
  }

  /** One re-seed at a time per instance; resolves false when the database could not be read. */
  private ensureEpoch(): Promise<boolean> {
    if (this.seeding) return this.seeding;
    if (Date.now() - this.lastSeedFailure < 1000) return Promise.resolve(false);
    this.seeding = (async () => {
      try {
        const seeds = this.seeder ? await this.seeder() : [];
        await this.writeSeeds(seeds, Date.now(), true);
        this.logger.warn({ keys: seeds.length }, 'Redis had lost the limit counters: budgets re-seeded from the database');
        return true;
      } catch (err) {
        this.lastSeedFailure = Date.now();
        this.logger.warn({ err }, 're-seeding budgets after a Redis data loss failed; deciding per instance meanwhile');
        return false;
      } finally {
        this.seeding = undefined;
      }
    })();
    return this.seeding;
  }

  private degradedAdmit(keyId: string, limits: KeyLimits, now: number): Admission {
    return { ...this.fallback.admit(keyId, limits, now), degraded: true };
  }

  private degradedReserve(keyId: string, limits: KeyLimits, want: Want, now: number): ReserveResult {
    return { ...this.fallback.reserve(keyId, limits, want, now), degraded: true };
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

  async close(): Promise<void> {
    await Promise.race([this.batch.flush(), new Promise((r) => setTimeout(r, 200).unref())]);
    this.batch.stop();
    this.breaker.stop();
    this.redis.disconnect();
  }
}
