import { coded, GatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { RequestContext } from './context.js';
import type { ResolvedTarget, Route } from './router.js';

const BASE_DELAY_MS = 100;
const MAX_DELAY_MS = 5_000;

/** Exponential backoff with jitter: half the step fixed, half random. */
export function backoffMs(retry: number): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** retry);
  return step / 2 + Math.random() * (step / 2);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one upstream attempt and retries retryable failures (429, 5xx, timeouts,
 * connection errors) with backoff, honouring Retry-After, never past the deadline.
 */
export async function withRetries<T>(
  attempt: (timeoutMs: number) => Promise<T>,
  options: { readonly maxRetries: number; readonly timeoutMs: number; readonly ctx: RequestContext },
): Promise<T> {
  const { ctx } = options;
  for (let retry = 0; ; retry++) {
    const remaining = ctx.deadline - Date.now();
    if (remaining <= 0) {
      throw coded('deadline_passed', undefined, { failure: 'timeout' });
    }
    ctx.outcome.attempts++;
    try {
      return await attempt(Math.min(options.timeoutMs, remaining));
    } catch (err) {
      const e = toGatewayError(err);
      if (!e.isRetryable || retry >= options.maxRetries) throw e;
      const delay = e.retryAfterMs ?? backoffMs(retry);
      if (Date.now() + delay >= ctx.deadline) throw e;
      ctx.outcome.retries++;
      ctx.log.debug({ err: e.detail ?? e.message, retry: retry + 1, delayMs: Math.round(delay) }, 'retrying upstream call');
      await sleep(delay);
    }
  }
}

export interface Served<T> {
  readonly value: T;
  readonly target: ResolvedTarget;
  readonly fallbackIndex: number;
}

/**
 * Tries each target of a route in order. A caller fault (upstream 400/422) ends the
 * loop at once; any other failure moves on to the next target.
 */
export async function withFallbacks<T>(
  route: Route,
  ctx: RequestContext,
  serve: (target: ResolvedTarget) => Promise<T>,
): Promise<Served<T>> {
  let last: GatewayError | undefined;
  for (let i = 0; i < route.targets.length; i++) {
    const target = route.targets[i];
    if (i > 0) ctx.outcome.fallbacks++;
    try {
      const value = await serve(target);
      return { value, target, fallbackIndex: i };
    } catch (err) {
      const e = toGatewayError(err);
      ctx.log.warn(
        { target: target.label, code: e.code, upstreamStatus: e.upstreamStatus, detail: e.detail ?? e.message },
        'upstream target failed',
      );
      if (!e.allowsFallback) throw e;
      last = e;
      if (Date.now() >= ctx.deadline) break;
    }
  }
  last!.retriesExhausted = true;
  throw last!;
}
