import type { HttpCall, UpstreamReply } from '../providers/types.js';
import { withRetries } from './attempt.js';
import type { RequestContext } from './context.js';
import type { ResolvedTarget } from './router.js';
import { attempt } from './upstream-attempt.js';

/**
 * One request/response upstream call with the target provider's retries and timeout; each
 * try is one `attempt` (slot, send, release, classify), then the 2xx reply is parsed.
 */
export function callUpstream<T>(
  target: ResolvedTarget,
  call: HttpCall,
  ctx: RequestContext,
  parse: (reply: UpstreamReply) => T,
): Promise<T> {
  const config = target.provider.config;
  return withRetries(async (timeoutMs) => parse(await attempt(target, call, ctx, { timeoutMs })), {
    maxRetries: config.max_retries,
    timeoutMs: config.timeout_ms,
    ctx,
  });
}
