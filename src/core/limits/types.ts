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
  /** The request alone needs more than the whole limit: waiting cannot help. */
  readonly tooLarge?: boolean;
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

/** The worst case a request may use, reserved before it goes upstream. */
export interface Want {
  readonly tokens: number;
  readonly usd: number;
}

/**
 * Tokens and spend held for one request until it ends. `settle` replaces the held amounts
 * by what the request really used (zero when it failed).
 */
export interface Reservation {
  readonly keyId: string;
  readonly limits: KeyLimits;
  /** Tokens held in the minute `minute` (0 when the key has no tpm). */
  readonly tokens: number;
  readonly minute: number;
  /** Nano-dollars held in the budget period starting at `periodStart` (0 without a budget). */
  readonly nusd: number;
  readonly periodStart: number;
  /** Held in Redis (true) or in this process. */
  readonly shared: boolean;
}

export interface ReserveResult {
  readonly refusal?: LimitRefusal;
  readonly reservation?: Reservation;
  readonly tokensRemaining?: number;
  readonly degraded?: boolean;
}

/** Spend already recorded in the database for one budgeted key's current period. */
export interface SpendSeed {
  readonly keyId: string;
  readonly period: 'day' | 'month';
  readonly usd: number;
}

/**
 * Counts requests, tokens and spend per key. `admit` runs before a request is parsed and
 * counts it against rpm/rpd; `reserve` runs once the request is routed and holds its worst
 * case against tpm and the budget; `settle` trues the hold up when the request ends.
 */
export interface Limiter {
  admit(keyId: string, limits: KeyLimits, now: number): Admission | Promise<Admission>;
  reserve(keyId: string, limits: KeyLimits, want: Want, now: number): ReserveResult | Promise<ReserveResult>;
  settle(reservation: Reservation, tokens: number, usd: number): void;
  /**
   * Raises each key's running spend to at least what the database recorded (a restart, or
   * spend decided elsewhere while Redis was away, must not reset a budget).
   */
  seedSpend(seeds: readonly SpendSeed[], now: number): void | Promise<void>;
  /** Shared across instances right now (Redis answering); false for in-process limits. */
  readonly shared: boolean;
  close(): Promise<void>;
}

/** Budgets are counted in integer nano-dollars so that sums are exact in Redis and Lua. */
export const toNanoUsd = (usd: number): number => Math.round(usd * 1e9);

/** Start of the budget period containing `now` (UTC). */
export function periodStart(period: 'day' | 'month', now: number): number {
  const d = new Date(now);
  return period === 'day'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
    : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** Start of the next period (when a spent budget refills). */
export function periodEnd(period: 'day' | 'month', now: number): number {
  const d = new Date(periodStart(period, now));
  return period === 'day' ? d.getTime() + 86_400_000 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;
