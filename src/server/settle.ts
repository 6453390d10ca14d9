import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestObserver, UsageSink } from '../core/context.js';
import { fromFrameworkError } from '../errors/render.js';
import type { Tracing } from '../observability/tracing.js';
import { genAiAttributes } from '../observability/tracing-genai.js';

/** The status recorded for a response the caller abandoned midway. */
const CALLER_CLOSED = 499;

export interface SettleOptions {
  readonly observers: readonly RequestObserver[];
  readonly usage?: UsageSink;
  readonly tracing?: Tracing;
}

/**
 * The end of every proxy request, whatever its surface: the outcome headers, the error code in
 * the outcome, the usage record (journaled before the last byte), then metrics, the access line
 * and the trace span, each exactly once.
 */
export function installSettle(app: FastifyInstance, options: SettleOptions): void {
  const { observers, usage, tracing } = options;

  // Every surface reports fail-open and cache use the same way, even those whose body
  // has no room for it (TEI's bare array).
  // The usage record is journaled here, before the reply is written (a streamed body: when
  // it ends, before the response's final chunk), so an answered request always has one.
  app.addHook('onSend', (request, reply, payload, done) => {
    const out = request.ctx?.outcome;
    if (out?.degraded) reply.header('x-rankway-degraded', 'true');
    if (out && out.cacheHits + out.cacheMisses > 0) reply.header('x-rankway-cache', `hits=${out.cacheHits}, misses=${out.cacheMisses}`);
    if (usage !== undefined && out !== undefined) {
      if (isStream(payload)) payload.once('end', () => recordUsage(request, reply.statusCode, reply.elapsedTime));
      else recordUsage(request, reply.statusCode, reply.elapsedTime);
    }
    // Cost of a priced request, so evaluation runs (and callers) can add it up.
    if (out && out.costUsd > 0) reply.header('x-rankway-cost-usd', String(out.costUsd));
    done(null, payload);
  });

  // Every surface, whatever error handler it sets, gets its error code into the outcome
  // (metrics, traces): onError hooks are inherited by encapsulated plugins.
  app.addHook('onError', (request, _reply, error, done) => {
    if (request.ctx && request.ctx.outcome.errorCode === undefined) request.ctx.outcome.errorCode = fromFrameworkError(error).code;
    done();
  });

  /** The usage record, exactly once per request, for every request that matched a route. */
  function recordUsage(request: FastifyRequest, status: number, ms: number): void {
    const ctx = request.ctx;
    if (usage === undefined || !ctx || ctx.recorded) return;
    ctx.recorded = true;
    if (ctx.surface !== 'unknown') {
      usage.record(ctx, status, ms);
      return;
    }
    // Refused before a handler named the surface (401, 429, a bad body): recorded under its route.
    // Unmatched paths and the refusals of a full journal are not recorded.
    const route = request.routeOptions.url;
    if (route === undefined || request.routeOptions.config?.public === true || ctx.outcome.errorCode === 'usage_journal_full') return;
    usage.record(ctx, status, ms, route);
  }
  /** Usage (if not yet journaled), metrics and the access line, exactly once per request. */
  const settle = (request: FastifyRequest, status: number, ms: number): void => {
    const ctx = request.ctx;
    if (!ctx || ctx.settled) return;
    recordUsage(request, status, ms);
    ctx.settled = true;
    for (const o of observers) o.onResponse(ctx, status, ms);
    if (ctx.afterResponse) for (const task of ctx.afterResponse.splice(0)) task();
    if (ctx.span && tracing) {
      tracing.nameRequest(ctx.span, request.method, request.routeOptions.url);
      const o = ctx.outcome;
      tracing.endRequest(ctx.span, status, {
        'rankway.request_id': ctx.requestId,
        'rankway.surface': ctx.surface,
        'rankway.alias': o.alias,
        'rankway.provider': o.provider,
        'rankway.attempts': o.attempts,
        'rankway.error_code': o.errorCode,
        ...genAiAttributes(o),
      });
    }
  };
  // Callback style: observers are synchronous, so no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    settle(request, reply.statusCode, reply.elapsedTime);
    done();
  });
  // 499, as nginx logs it: the caller closed the connection before the response was complete.
  app.decorate('settleAbandoned', (request: FastifyRequest, reply: FastifyReply) => settle(request, CALLER_CLOSED, reply.elapsedTime));
  app.decorate('recordUsageBeforeEnd', (request: FastifyRequest, reply: FastifyReply) => {
    const res = reply.raw;
    const end = res.end;
    res.end = function (this: typeof res, ...args: unknown[]) {
      recordUsage(request, res.statusCode, reply.elapsedTime);
      return (end as (...a: unknown[]) => typeof res).apply(this, args);
    } as typeof res.end;
  });
}

const isStream = (payload: unknown): payload is NodeJS.ReadableStream =>
  typeof payload === 'object' && payload !== null && typeof (payload as { pipe?: unknown }).pipe === 'function';
