import { toGatewayError } from '../errors/gateway-error.js';
import type { HttpCall } from '../providers/types.js';
import type { OpenedReply } from '../transport/http-client.js';
import { withRetries } from './attempt.js';
import type { RequestContext } from './context.js';
import type { ResolvedTarget } from './router.js';
import { attempt } from './upstream-attempt.js';

/**
 * Sends a caller's request to one target as is (signed with the provider's credentials)
 * and returns the opened 2xx response for the surface to pipe through untouched. Retries
 * happen before the first byte; an error answer becomes the provider's classified failure.
 * The concurrency slot is held until the body ends.
 */
export async function relay(target: ResolvedTarget, call: HttpCall, ctx: RequestContext, signal?: AbortSignal): Promise<OpenedReply> {
  const config = target.provider.config;
  try {
    return await withRetries(
      async (timeoutMs) => {
        const { opened, lease } = await attempt(target, call, ctx, { timeoutMs, stream: true, signal });
        const release = (): void => lease.release();
        opened.body.once('close', release);
        opened.body.once('end', release);
        return opened;
      },
      { maxRetries: config.max_retries, timeoutMs: config.timeout_ms, ctx },
    );
  } catch (err) {
    const e = toGatewayError(err);
    // A native caller names one model: once its retries are spent there is nothing more to try.
    if (e.isRetryable) e.retriesExhausted = true;
    throw e;
  }
}
