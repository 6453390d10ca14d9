import { GatewayError } from '../../errors/gateway-error.js';
import type { RequestContext } from '../context.js';
import type { Admission, Limiter } from './types.js';

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

/**
 * Applies a caller's rate limits and budget. The proxy runs `admit` for every request on
 * every surface (after auth, before any handler) and `onResponse` once it is answered, which
 * debits actual tokens and cost.
 */
export class LimitEnforcer {
  constructor(private readonly limiter: Limiter) {}

  /** Returns the headers to send; throws 429 (`rate_limit_exceeded` / `budget_exceeded`). */
  async admit(ctx: RequestContext): Promise<Record<string, string> | undefined> {
    const limits = ctx.caller.limits;
    if (!limits) return undefined;
    const admission = await this.limiter.admit(ctx.caller.keyId, limits, Date.now());
    if (admission.degraded) ctx.outcome.limiterDegraded = true;
    const headers = rateHeaders(admission);
    const refusal = admission.refusal;
    if (!refusal) return headers;
    const retryAfterMs = Math.max(1000, refusal.retryAfterMs);
    headers['retry-after'] = String(Math.ceil(retryAfterMs / 1000));
    if (refusal.limit === 'budget') {
      const b = limits.budget!;
      throw new GatewayError('budget_exceeded', `This API key has spent its budget of $${b.usd} for this ${b.period}`, { retryAfterMs, headers });
    }
    const limit = refusal.limit === 'tpm' ? limits.tpm : refusal.limit === 'rpm' ? limits.rpm : limits.rpd;
    throw new GatewayError('rate_limit_exceeded', `Rate limit reached for this API key: ${limit} ${LIMIT_NAMES[refusal.limit]}`, {
      retryAfterMs,
      headers,
    });
  }

  onResponse(ctx: RequestContext, _status: number, _durationMs: number): void {
    const limits = ctx.caller.limits;
    if (!limits || (limits.tpm === undefined && limits.budget === undefined)) return;
    const usage = ctx.outcome.usage;
    const tokens = usage ? usage.inputTokens + usage.outputTokens : 0;
    this.limiter.record(ctx.caller.keyId, limits, tokens, ctx.outcome.costUsd, Date.now());
  }
}
