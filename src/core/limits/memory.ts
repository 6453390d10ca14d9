import { DAY_MS, MINUTE_MS, periodEnd, periodStart, type Admission, type KeyLimits, type Limiter } from './types.js';

interface KeyCounters {
  /** Admission times, oldest first, from `head` on (sliding window for rpm). */
  recent: number[];
  head: number;
  day: number;
  dayCount: number;
  minute: number;
  minuteTokens: number;
  budgetPeriod: number;
  spent: number;
}

/**
 * Limits for one process: exact sliding minute for rpm, UTC-day counter for rpd, per-minute
 * token counter for tpm (tokens are known only after a response, so a request is refused once
 * the minute's tokens are used up), and spend per budget period.
 */
export class MemoryLimiter implements Limiter {
  private readonly keys = new Map<string, KeyCounters>();

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
        return { refusal: { limit: 'rpm', retryAfterMs: c.recent[c.head] + MINUTE_MS - now }, requestLimit: limits.rpm, requestsRemaining: 0 };
      }
    }
    if (limits.rpd !== undefined && c.dayCount >= limits.rpd) {
      return { refusal: { limit: 'rpd', retryAfterMs: (c.day + 1) * DAY_MS - now }, requestLimit: limits.rpd, requestsRemaining: 0 };
    }
    if (limits.tpm !== undefined && c.minuteTokens >= limits.tpm) {
      return { refusal: { limit: 'tpm', retryAfterMs: (c.minute + 1) * MINUTE_MS - now }, tokenLimit: limits.tpm, tokensRemaining: 0 };
    }
    if (limits.budget !== undefined && this.spent(c, limits.budget.period, now) >= limits.budget.usd) {
      return { refusal: { limit: 'budget', retryAfterMs: periodEnd(limits.budget.period, now) - now } };
    }
    if (limits.rpm !== undefined) c.recent.push(now);
    c.dayCount++;
    return headroom(limits, c.recent.length - c.head, c.dayCount, c.minuteTokens);
  }

  record(keyId: string, limits: KeyLimits, tokens: number, costUsd: number, now: number): void {
    const c = this.counters(keyId, now);
    c.minuteTokens += tokens;
    if (limits.budget) {
      this.spent(c, limits.budget.period, now);
      c.spent += costUsd;
    }
  }

  seedSpend(keyId: string, period: 'day' | 'month', usd: number, now: number): void {
    const c = this.counters(keyId, now);
    c.spent = Math.max(this.spent(c, period, now), usd);
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
