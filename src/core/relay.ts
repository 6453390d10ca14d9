import { toGatewayError } from '../errors/gateway-error.js';
import type { HttpCall } from '../providers/types.js';
import type { OpenedReply } from '../transport/http-client.js';
import { withRetries } from './attempt.js';
import type { RequestContext } from './context.js';
import type { ResolvedTarget } from './router.js';

/**
 * Sends a caller's request to one target as is (signed with the provider's credentials)
 * and returns the opened 2xx response for the surface to pipe through untouched. Retries
 * happen before the first byte; an error answer becomes the provider's classified failure.
 * The concurrency slot is held until the body ends.
 */
export async function relay(target: ResolvedTarget, call: HttpCall, ctx: RequestContext, signal?: AbortSignal): Promise<OpenedReply> {
  try {
    return await attempt(target, call, ctx, signal);
  } catch (err) {
    const e = toGatewayError(err);
    // A native caller names one model: once its retries are spent there is nothing more to try.
    if (e.isRetryable) e.retriesExhausted = true;
    throw e;
  }
}

function attempt(target: ResolvedTarget, call: HttpCall, ctx: RequestContext, signal?: AbortSignal): Promise<OpenedReply> {
  const provider = target.provider;
  return withRetries(
    async (timeoutMs) => {
      await provider.acquireSlot(ctx.deadline);
      const t0 = performance.now();
      let opened: OpenedReply;
      try {
        opened = await provider.open(call, { timeoutMs, signal, ctx });
      } catch (err) {
        provider.releaseSlot();
        throw err;
      }
      if (opened.status >= 300) {
        let body: Buffer;
        try {
          body = await opened.readAll();
        } finally {
          provider.releaseSlot();
          ctx.outcome.upstreamMs += performance.now() - t0;
        }
        throw provider.adapter.parseError({ status: opened.status, headers: opened.headers, body });
      }
      let released = false;
      const release = (): void => {
        if (released) return;
        released = true;
        provider.releaseSlot();
        ctx.outcome.upstreamMs += performance.now() - t0;
      };
      opened.body.once('close', release);
      opened.body.once('end', release);
      return opened;
    },
    { maxRetries: provider.config.max_retries, timeoutMs: provider.config.timeout_ms, ctx },
  );
}
