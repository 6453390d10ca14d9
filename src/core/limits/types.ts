/** Per-key limits: requests per minute (sliding) and per UTC day, tokens per minute, a USD budget. */
export interface KeyLimits {
  readonly rpm?: number;
  readonly tpm?: number;
  readonly rpd?: number;
  readonly budget?: { readonly usd: number; readonly period: 'day' | 'month' };
}

/** Which limit stopped a request, and when trying again can succeed. */
export interface LimitRefusal {
  readonly limit: 'rpm' | 'rpd' | 'tpm' | 'budget';
  readonly retryAfterMs: number;
}

/** The outcome of admitting one request, with what the rate-limit headers report. */
export interface Admission {
  readonly refusal?: LimitRefusal;
  /** Requests left in the tightest request window after this one (when rpm/rpd set). */
  readonly requestLimit?: number;
  readonly requestsRemaining?: number;
  readonly tokenLimit?: number;
  readonly tokensRemaining?: number;
  /** The shared limiter was unreachable and this instance decided alone. */
  readonly degraded?: boolean;
}

/**
 * Counts requests, tokens and spend per key. `admit` runs before a request is served and
 * counts it; `record` adds what the request actually used once it finished.
 */
export interface Limiter {
  admit(keyId: string, limits: KeyLimits, now: number): Admission | Promise<Admission>;
  record(keyId: string, limits: KeyLimits, tokens: number, costUsd: number, now: number): void;
  /** Seeds spend already recorded in the database (a restart must not reset a budget). */
  seedSpend(keyId: string, period: 'day' | 'month', usd: number, now: number): void | Promise<void>;
  close(): Promise<void>;
}

/** Start of the budget period containing `now` (UTC). */
export function periodStart(period: 'day' | 'month', now: number): number {
  const d = new Date(now);
  return period === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the next period (when a spent budget refills). */
export function periodEnd(period: 'day' | 'month', now: number): number {
  const d = new Date(periodStart(period, now));
  return period === 'day' ? d.getTime() + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
