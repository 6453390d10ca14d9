import type { RequestContext } from '../core/context.js';
import type { RequestObserver } from '../core/context.js';
import type { Logger } from './log.js';

/** One JSON line per proxied request; never the payload. */
export function accessLog(logger: Logger): RequestObserver {
  // The line has a fixed set of fields, none of them secret, so it skips path redaction,
  // which costs more than the rest of the line (wildcard paths are walked on every call).
  const log = logger.child({}, { redact: [] });
  return {
    onResponse(ctx: RequestContext, status: number, durationMs: number) {
      const o = ctx.outcome;
      log.info(
        {
          requestId: ctx.requestId,
          keyId: ctx.caller.keyId,
          surface: ctx.surface,
          alias: o.alias,
          provider: o.provider,
          status,
          latencyMs: Math.round(durationMs * 1000) / 1000,
          attempts: o.attempts,
          documents: o.documents,
          searchUnits: o.usage?.searchUnits,
          inputTokens: o.usage?.inputTokens,
          cacheHits: o.cacheHits + o.cacheMisses > 0 ? o.cacheHits : undefined,
          degraded: o.degraded || undefined,
        },
        'request',
      );
    },
  };
}
