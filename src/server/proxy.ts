import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CallerAuthenticator } from '../auth/inbound/authenticator.js';
import type { SigV4CallerAuthenticator } from '../auth/inbound/sigv4-caller.js';
import { hasSigV4 } from '../auth/inbound/sigv4-verify.js';
import type { GatewayConfig } from '../config/load.js';
import { ANONYMOUS, newOutcome, type Caller, type RequestContext, type RequestObserver, type UsageSink } from '../core/context.js';
import type { LimitEnforcer } from '../core/limits/enforce.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../observability/log.js';
import type { Tracing } from '../observability/tracing.js';
import { genAiAttributes } from '../observability/tracing-genai.js';
import { createDualProtocolServer } from './dual-protocol.js';
import { errorHeaders, fromFrameworkError, openAiEnvelope } from './errors.js';
import { renderAwsError } from '../api/bedrock/errors.js';
import { registerJsonBodyParser } from './json-body.js';
import { requestIdFrom } from './request-id.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on proxy routes. */
    ctx: RequestContext;
    /** The body bytes as received, kept by surfaces whose callers sign the body (SigV4). */
    rawBody?: Buffer;
  }
  interface FastifyInstance {
    /**
     * Runs the end-of-request observers for a streamed response the caller abandoned
     * midway: Fastify's onResponse hooks only run when a response finishes or fails.
     */
    settleAbandoned(request: FastifyRequest, reply: FastifyReply): void;
    /** For a hijacked response: journals its usage record just before `end()` writes the last bytes. */
    recordUsageBeforeEnd(request: FastifyRequest, reply: FastifyReply): void;
  }
  interface FastifyContextConfig {
    /** The route accepts AWS SigV4-signed callers (native Bedrock routes). */
    sigv4?: boolean;
    /** Served without caller authentication (e.g. `/openapi.json`). */
    public?: boolean;
    /** The handler gets a `RawJsonBody` (bytes, guarded parse on demand) instead of a parsed body. */
    rawJsonBody?: boolean;
  }
}

/** The status recorded for a response the caller abandoned midway. */
const CALLER_CLOSED = 499;

/** Placeholder caller until a SigV4 signature is checked, which needs the parsed body. */
const SIGV4_PENDING: Caller = Object.freeze({ keyId: '', name: 'sigv4-pending' });

/** Moved to `core/context.ts` so the layers below the server can implement them. */
export type { RequestObserver, UsageSink } from '../core/context.js';

export interface ProxyServerOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly authenticator: CallerAuthenticator;
  readonly observers?: readonly RequestObserver[];
  readonly usage?: UsageSink;
  /** Verifies SigV4-signed callers on routes that opt in; absent = such callers are refused. */
  readonly sigv4?: SigV4CallerAuthenticator;
  /** Rate limits and budgets, applied to every request once its caller is known. */
  readonly limits?: LimitEnforcer;
  /** Request spans when tracing is on; undefined keeps the hot path free of it. */
  readonly tracing?: Tracing;
  /** Log request bodies at info level (debugging only). */
  readonly logPayloads?: boolean;
}

/** Renders an error in the surface's envelope; each surface plugin may set its own. */
export type ErrorRenderer = (err: GatewayError, request: FastifyRequest, reply: FastifyReply) => unknown;

export const renderOpenAiError: ErrorRenderer = (err, _request, reply) => {
  reply.code(err.status).headers(errorHeaders(err));
  return openAiEnvelope(err);
};

/**
 * The proxy server: request ids, body limits, caller auth and the per-request context.
 * Surfaces register their routes on it; they never see auth or ids themselves.
 */
export function buildProxyServer(options: ProxyServerOptions): FastifyInstance {
  const { config, logger, tracing, usage } = options;
  const server = config.server;
  const app = Fastify({
    logger: false,
    bodyLimit: server.body_limit_bytes,
    // Fastify would take any header value as is; requestIdFrom keeps only safe ones.
    requestIdHeader: false,
    genReqId: (req) => requestIdFrom(req.headers),
    return503OnClosing: true,
    // Whole inbound request (headers and body) must arrive within this; a slow-loris client is cut off.
    requestTimeout: server.request_timeout_ms,
    connectionTimeout: server.request_timeout_ms + 10_000,
    keepAliveTimeout: 72_000,
    // Model ids in paths are ARNs of up to 2048 characters; longer ones get a clear 400 from the handler.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2048 },
    // The router's own refusals (a path that is not valid percent-encoding, a parameter over
    // the limit) get a coded 400 and a request id like every other error, not Fastify's body.
    frameworkErrors: (error, req, res) => {
      const [request, reply] = [req as FastifyRequest, res as FastifyReply];
      const err = new GatewayError('invalid_request', routerErrorMessage(error.code));
      logError(logger, err, request);
      reply.header('x-request-id', request.id);
      return reply.send(isAwsPath(request.url) ? renderAwsError(err, request, reply) : renderOpenAiError(err, request, reply));
    },
    // HTTP/1.1 and HTTP/2 (h2c prior knowledge, or ALPN over TLS) on one port.
    serverFactory: (handler) =>
      createDualProtocolServer(handler, {
        tls: config.server.tls,
        keepAliveTimeoutMs: 72_000,
        connectionTimeoutMs: config.server.request_timeout_ms + 10_000,
        http2: {
          headersTimeoutMs: server.headers_timeout_ms,
          requestTimeoutMs: server.request_timeout_ms,
          maxConcurrentStreams: server.http2_max_concurrent_streams,
          maxBufferedRequestBytes: server.http2_max_buffered_request_bytes,
        },
      }),
  });
  // Slow-loris guards on the HTTP/1.1 listener (the server factory builds it, so Fastify's own options do not reach it).
  app.server.headersTimeout = server.headers_timeout_ms;
  app.server.requestTimeout = server.request_timeout_ms;
  app.decorateRequest('ctx', null as unknown as RequestContext);
  registerJsonBodyParser(app, server.max_json_depth);
  // Every proxy surface speaks JSON: anything else is a 415, not a string handed to a parser.
  app.removeContentTypeParser('text/plain');

  // Callback-style hooks: most requests finish them synchronously, with no promise each.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    const ctx: RequestContext = {
      requestId: request.id,
      deadline: Date.now() + server.request_timeout_ms,
      log: logger,
      caller: ANONYMOUS,
      surface: 'unknown',
      outcome: newOutcome(),
      noCache: wantsNoCache(request.headers['cache-control']),
      headers: request.headers,
      span: tracing?.startRequest(request.method, request.headers),
    };
    request.ctx = ctx;
    if (request.routeOptions.config?.public === true) return done();
    if (usage?.full()) {
      return done(
        new GatewayError('usage_journal_full', 'Rankway cannot record usage right now (its usage journal is full); retry shortly', {
          retryAfterMs: 5000,
        }),
      );
    }
    // The context exists before auth so refused requests are still counted and traced.
    const sigv4 = config.server.auth === 'keys' && request.routeOptions.config?.sigv4 === true && hasSigV4(request.headers);
    if (sigv4) {
      (ctx as { caller: Caller }).caller = SIGV4_PENDING;
      return done();
    }
    let found: Caller | Promise<Caller>;
    try {
      found = options.authenticator.authenticate(request.headers);
    } catch (err) {
      return done(err as Error);
    }
    if (found instanceof Promise) found.then((caller) => admitCaller(request, reply, caller, done), done);
    else admitCaller(request, reply, found, done);
  });

  /** Records the caller and counts the request against its limits and budget (every surface passes here). */
  function admitCaller(request: FastifyRequest, reply: FastifyReply, caller: Caller, done: (err?: Error) => void): void {
    (request.ctx as { caller: Caller }).caller = caller;
    if (!caller.limits || !options.limits) return done();
    options.limits.admit(request.ctx).then((headers) => {
      if (headers) reply.headers(headers);
      done();
    }, done);
  }

  if (options.logPayloads) {
    app.addHook('preHandler', async (request) => {
      logger.info({ requestId: request.id, path: request.url, body: request.body }, 'request payload');
    });
  }

  // SigV4 signs the body, so it is checked once the route's parser kept the raw bytes.
  app.addHook('preValidation', (request, reply, done) => {
    if (request.ctx?.caller !== SIGV4_PENDING) return done();
    if (!options.sigv4)
      return done(new GatewayError('invalid_api_key', 'SigV4-signed requests are not accepted: no AWS access keys are configured'));
    options.sigv4
      .authenticate({ method: request.method, path: request.raw.url ?? request.url, headers: request.headers, body: request.rawBody })
      .then((caller) => admitCaller(request, reply, caller, done), done);
  });

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

  const observers = options.observers ?? [];
  /** The usage record, exactly once per request, for every request that matched a route. */
  function recordUsage(request: FastifyRequest, status: number, ms: number): void {
    const ctx = request.ctx;
    if (usage === undefined || !ctx || ctx.recorded) return;
    ctx.recorded = true;
    if (ctx.surface !== 'unknown') return usage.record(ctx, status, ms);
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

  app.setErrorHandler((error, request, reply) => {
    const err = fromFrameworkError(error);
    if (request.ctx) request.ctx.outcome.errorCode = err.code;
    logError(logger, err, request);
    return renderOpenAiError(err, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    if (request.ctx) request.ctx.outcome.errorCode = 'route_not_found';
    reply.code(404);
    return {
      error: {
        message: `No route for ${request.method} ${request.url.split('?')[0]}`,
        type: 'invalid_request_error',
        param: null,
        code: 'route_not_found',
      },
    };
  });
  return app;
}

const isStream = (payload: unknown): payload is NodeJS.ReadableStream =>
  typeof payload === 'object' && payload !== null && typeof (payload as { pipe?: unknown }).pipe === 'function';
/** Native Bedrock routes answer in the AWS shape even when the router refuses the path. */
const isAwsPath = (url: string): boolean =>
  url.startsWith('/model/') || url.startsWith('/bedrock/') || url === '/rerank' || url.startsWith('/rerank?');

function routerErrorMessage(code: string | undefined): string {
  if (code === 'FST_ERR_BAD_URL') return 'The request path has an invalid percent-encoding';
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') return 'A path segment is longer than 2048 characters';
  return 'The request path could not be routed';
}

/** `Cache-Control: no-cache` or `no-store` from the caller: skip the pair cache. */
function wantsNoCache(header: string | undefined): boolean {
  return header !== undefined && /no-cache|no-store/i.test(header);
}

export function logError(logger: Logger, err: GatewayError, request: FastifyRequest): void {
  const fields = {
    requestId: request.id,
    code: err.code,
    status: err.status,
    upstreamStatus: err.upstreamStatus,
    detail: err.detail,
  };
  if (err.status >= 500 && err.code === 'internal_error') logger.error({ ...fields, err: err.cause ?? err }, err.message);
  else logger.info(fields, err.message);
}
