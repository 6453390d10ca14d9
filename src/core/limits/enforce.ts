import { GatewayError } from '../../errors/gateway-error.js';
import type { RequestContext, Reserver } from '../context.js';
import type { Admission, KeyLimits, LimitRefusal, Limiter, Want } from './types.js';
import { MINUTE_MS, periodStart } from './types.js';

const LIMIT_NAMES = { rpm: 'requests per minute', rpd: 'requests per day', tpm: 'tokens per minute' } as const;

/** x-ratelimit-* headers (OpenAI's names) for an admission. */
function rateHeaders(a: Admission): Record<string, string> {
  const h: Record<string, string> = {};
  if (a.requestLimit !== undefined) {
    h['x-ratelimit-limit-requests'] = String(a.requestLimit);
    h['x-ratelimit-remaining-requests'] = String(a.requestsRemaining ?? 0);
  }
  if (a.tokenLimit !== undefined) {
    h['x-ratelimit-limit-tokens'] = String(a.tokenLimit);
    h['x-ratelimit-remaining-tokens'] = String(a.tokensRemaining ?? 0);
  }
  return h;
}

function refusalError(limits: KeyLimits, refusal: LimitRefusal, headers: Record<string, string>, want?: Want): GatewayError {
  const retryAfterMs = Math.max(1000, refusal.retryAfterMs);
  headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
  if (refusal.limit === 'budget') {
    const b = limits.budget!;
    const detail = refusal.tooLarge ? `: this request may cost up to $${want?.usd.toFixed(6)}, more than the whole budget` : '';
    return new GatewayError('budget_exceeded', `This API key has spent its budget of $${b.usd} for this ${b.period}${detail}`, {
      retryAfterMs,
      headers,
    });
  }
  const limit = refusal.limit === 'tpm' ? limits.tpm : refusal.limit === 'rpm' ? limits.rpm : limits.rpd;
  const detail = refusal.tooLarge ? ` (this request may use up to ${Math.ceil(want?.tokens ?? 0)} tokens, more than the whole limit)` : '';
  return new GatewayError('rate_limit_exceeded', `Rate limit reached for this API key: ${limit} ${LIMIT_NAMES[refusal.limit]}${detail}`, {
    retryAfterMs,
    headers,
  });
}

/**
 * Applies a caller's rate limits and budget. The server's gate runs `admit` for every request
 * on every surface (after auth, before any handler): it counts rpm/rpd and refuses a key whose
 * minute or budget is already used up. Core then `reserve`s the routed request's worst case
 * against tpm and the budget, and `settle` (when the request ends, whatever the outcome)
 * replaces that hold by the real tokens and cost.
 */
export class LimitEnforcer implements Reserver {
  constructor(private readonly limiter: Limiter) {}

  /** Returns the headers to send; throws 429 (`rate_limit_exceeded` / `budget_exceeded`). */
  async admit(ctx: RequestContext): Promise<Record<string, string> | undefined> {
    const limits = ctx.caller.limits;
    if (!limits) return undefined;
    ctx.reserver = this;
    const admission = await this.limiter.admit(ctx.caller.keyId, limits, Date.now());
    if (admission.degraded) ctx.outcome.limiterDegraded = true;
    const headers = rateHeaders(admission);
    if (!admission.refusal) return headers;
    throw refusalError(limits, admission.refusal, headers);
  }

  async reserve(ctx: RequestContext, want: Want): Promise<void> {
    const limits = ctx.caller.limits;
    if (!limits || (limits.tpm === undefined && limits.budget === undefined)) return;
    // One hold per request: a second call (a surface reserving twice) replaces the first.
    if (ctx.reservation) this.settle(ctx);
    const result = await this.limiter.reserve(ctx.caller.keyId, limits, want, Date.now());
    if (result.degraded) ctx.outcome.limiterDegraded = true;
    if (result.refusal) {
      const headers: Record<string, string> = {};
      if (limits.tpm !== undefined) {
        headers['x-ratelimit-limit-tokens'] = String(limits.tpm);
        headers['x-ratelimit-remaining-tokens'] = String(result.tokensRemaining ?? 0);
      }
      throw refusalError(limits, result.refusal, headers, want);
    }
    ctx.reservation = result.reservation ?? null;
  }

  settle(ctx: RequestContext): void {
    const r = ctx.reservation;
    const limits = ctx.caller.limits;
    if (!limits || (limits.tpm === undefined && limits.budget === undefined)) return;
    const usage = ctx.outcome.usage;
    const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
    if (r === null) return;
    ctx.reservation = null;
    if (r) {
      this.limiter.settle(r, tokens, ctx.outcome.costUsd);
      return;
    }
    // A request that used something without a hold (it never reached a reservation): debit it.
    if (tokens === 0 && ctx.outcome.costUsd === 0) return;
    const now = Date.now();
    const start = limits.budget ? periodStart(limits.budget.period, now) : 0;
    this.limiter.settle(
      {
        keyId: ctx.caller.keyId,
        limits,
        tokens: 0,
        minute: Math.floor(now / MINUTE_MS),
        nusd: 0,
        periodStart: start,
        shared: this.limiter.shared,
      },
      tokens,
      ctx.outcome.costUsd,
    );
  }

  /** End-of-request observer: streams and anything not settled by core settle here. */
  onResponse(ctx: RequestContext, _status: number, _durationMs: number): void {
    this.settle(ctx);
  }
}
