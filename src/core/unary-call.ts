import type { HttpCall, UpstreamReply } from '../providers/types.js';
import { withRetries } from './attempt.js';
import type { RequestContext } from './context.js';
import type { ResolvedTarget } from './router.js';

/**
 * One request/response upstream call with the target provider's retries and timeout: takes
 * a concurrency slot per attempt, counts the time spent upstream, turns a non-2xx reply
 * into the provider's GatewayError and parses the rest.
 */
export function callUpstream<T>(
  target: ResolvedTarget,
  call: HttpCall,
  ctx: RequestContext,
  parse: (reply: UpstreamReply) => T,
): Promise<T> {
  const provider = target.provider;
  return withRetries(
    async (timeoutMs) => {
      await provider.acquireSlot(ctx.deadline);
      const t0 = performance.now();
      let reply;
      try {
        reply = await provider.send(call, timeoutMs, ctx);
      } finally {
        provider.releaseSlot();
        ctx.outcome.upstreamMs += performance.now() - t0;
      }
      if (reply.status >= 300) throw provider.adapter.parseError(reply);
      return parse(reply);
    },
    { maxRetries: provider.config.max_retries, timeoutMs: provider.config.timeout_ms, ctx },
  );
}
