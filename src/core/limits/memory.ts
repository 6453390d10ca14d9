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

interface KeyCounters {
  /** Admission times, oldest first, from `head` on (sliding window for rpm). */
  recent: number[];
  head: number;
  day: number;
  dayCount: number;
  minute: number;
  /** Tokens used or held in `minute`. */
  minuteTokens: number;
  budgetPeriod: number;
  /** Nano-dollars spent or held in `budgetPeriod`. */
  spent: number;
}

/**
 * Limits for one process: exact sliding minute for rpm, UTC-day counter for rpd, per-minute
 * token counter for tpm and spend per budget period. tpm and budget hold each request's
 * worst case from `reserve` until `settle`, so concurrent requests cannot overshoot.
 */
export class MemoryLimiter implements Limiter {
  private readonly keys = new Map<string, KeyCounters>();
  readonly shared = false;

  private counters(keyId: string, now: number): KeyCounters {
    let c = this.keys.get(keyId);
    if (!c) {
      c = { recent: [], head: 0, day: 0, dayCount: 0, minute: 0, minuteTokens: 0, budgetPeriod: 0, spent: 0 };
      this.keys.set(keyId, c);
    }
    const day = Math.floor(now / DAY_MS);
    if (c.day !== day) {
      c.day = day;
      c.dayCount = 0;
    }
    const minute = Math.floor(now / MINUTE_MS);
    if (c.minute !== minute) {
      c.minute = minute;
      c.minuteTokens = 0;
    }
    return c;
  }

  admit(keyId: string, limits: KeyLimits, now: number): Admission {
    const c = this.counters(keyId, now);
    if (limits.rpm !== undefined) {
      // Advancing a head index keeps this O(1) per request even with large rpm values.
      while (c.head < c.recent.length && c.recent[c.head] <= now - MINUTE_MS) c.head++;
      if (c.head > 1024 && c.head * 2 > c.recent.length) {
        c.recent = c.recent.slice(c.head);
        c.head = 0;
      }
      if (c.recent.length - c.head >= limits.rpm) {
        return {
          refusal: { limit: 'rpm', retryAfterMs: c.recent[c.head] + MINUTE_MS - now },
          requestLimit: limits.rpm,
          requestsRemaining: 0,
        };
      }
    }
    if (limits.rpd !== undefined && c.dayCount >= limits.rpd) {
      return { refusal: { limit: 'rpd', retryAfterMs: (c.day + 1) * DAY_MS - now }, requestLimit: limits.rpd, requestsRemaining: 0 };
    }
    // A full minute or budget is refused here already, before the body is even parsed.
    if (limits.tpm !== undefined && c.minuteTokens >= limits.tpm) {
      return { refusal: { limit: 'tpm', retryAfterMs: (c.minute + 1) * MINUTE_MS - now }, tokenLimit: limits.tpm, tokensRemaining: 0 };
    }
    if (limits.budget !== undefined && this.spent(c, limits.budget.period, now) >= toNanoUsd(limits.budget.usd)) {
      return { refusal: { limit: 'budget', retryAfterMs: periodEnd(limits.budget.period, now) - now } };
    }
    if (limits.rpm !== undefined) c.recent.push(now);
    c.dayCount++;
    return headroom(limits, c.recent.length - c.head, c.dayCount, c.minuteTokens);
  }

  reserve(keyId: string, limits: KeyLimits, want: Want, now: number): ReserveResult {
    const c = this.counters(keyId, now);
    const tokens = limits.tpm === undefined ? 0 : Math.max(0, Math.ceil(want.tokens));
    const nusd = limits.budget === undefined ? 0 : Math.max(0, toNanoUsd(want.usd));
    if (limits.tpm !== undefined && c.minuteTokens + tokens > limits.tpm) {
      return {
        refusal: { limit: 'tpm', retryAfterMs: (c.minute + 1) * MINUTE_MS - now, tooLarge: tokens > limits.tpm },
        tokensRemaining: Math.max(0, limits.tpm - c.minuteTokens),
      };
    }
    const start = limits.budget ? periodStart(limits.budget.period, now) : 0;
    if (limits.budget !== undefined && this.spent(c, limits.budget.period, now) + nusd > toNanoUsd(limits.budget.usd)) {
      return {
        refusal: {
          limit: 'budget',
          retryAfterMs: periodEnd(limits.budget.period, now) - now,
          tooLarge: nusd > toNanoUsd(limits.budget.usd),
        },
      };
    }
    c.minuteTokens += tokens;
    c.spent += nusd;
    return {
      reservation: { keyId, limits, tokens, minute: c.minute, nusd, periodStart: start, shared: false },
      tokensRemaining: limits.tpm === undefined ? undefined : limits.tpm - c.minuteTokens,
    };
  }

  settle(r: Reservation, tokens: number, usd: number): void {
    const c = this.keys.get(r.keyId);
    if (!c) return;
    // Holds of a minute or period that has ended no longer count for anything.
    if (r.limits.tpm !== undefined && c.minute === r.minute) c.minuteTokens = Math.max(0, c.minuteTokens + Math.ceil(tokens) - r.tokens);
    if (r.limits.budget !== undefined && c.budgetPeriod === r.periodStart) c.spent = Math.max(0, c.spent + toNanoUsd(usd) - r.nusd);
  }

  /** Adds use decided elsewhere (the shared limiter's own traffic), so local limits start from it. */
  record(keyId: string, limits: KeyLimits, tokens: number, usd: number, now: number): void {
    const c = this.counters(keyId, now);
    if (limits.tpm !== undefined) c.minuteTokens += Math.ceil(tokens);
    if (limits.budget !== undefined) c.spent = this.spent(c, limits.budget.period, now) + toNanoUsd(usd);
  }

  seedSpend(seeds: readonly SpendSeed[], now: number): void {
    for (const s of seeds) {
      const c = this.counters(s.keyId, now);
      c.spent = Math.max(this.spent(c, s.period, now), toNanoUsd(s.usd));
    }
  }

  private spent(c: KeyCounters, period: 'day' | 'month', now: number): number {
    const start = periodStart(period, now);
    if (c.budgetPeriod !== start) {
      c.budgetPeriod = start;
      c.spent = 0;
    }
    return c.spent;
  }

  async close(): Promise<void> {}
}

/** What the x-ratelimit-* headers report after admitting a request. */
export function headroom(limits: KeyLimits, minuteCount: number, dayCount: number, minuteTokens: number): Admission {
  let requestLimit: number | undefined;
  let requestsRemaining: number | undefined;
  if (limits.rpm !== undefined) {
    requestLimit = limits.rpm;
    requestsRemaining = Math.max(0, limits.rpm - minuteCount);
  }
  if (limits.rpd !== undefined && (requestsRemaining === undefined || limits.rpd - dayCount < requestsRemaining)) {
    requestLimit = limits.rpd;
    requestsRemaining = Math.max(0, limits.rpd - dayCount);
  }
  return {
    requestLimit,
    requestsRemaining,
    tokenLimit: limits.tpm,
    tokensRemaining: limits.tpm === undefined ? undefined : Math.max(0, limits.tpm - minuteTokens),
  };
}
