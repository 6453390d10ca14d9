import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CallerAuthenticator } from '../auth/inbound/authenticator.js';
import type { GatewayConfig } from '../config/load.js';
import type { LimitEnforcer } from '../core/limits/enforce.js';
import { newOutcome, type RequestContext } from '../core/context.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../observability/log.js';
import { errorHeaders, fromFrameworkError, openAiEnvelope } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on proxy routes. */
    ctx: RequestContext;
  }
}

export interface RequestObserver {
  /** Called once per proxy request after the response went out. */
  onResponse(ctx: RequestContext, status: number, durationMs: number): void;
}

export interface ProxyServerOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly authenticator: CallerAuthenticator;
  readonly observers?: readonly RequestObserver[];
  /** Rate limits and budgets, applied to every request after auth. */
  readonly limits?: LimitEnforcer;
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
  const { config, logger } = options;
  const app = Fastify({
    logger: false,
    bodyLimit: config.server.body_limit_bytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    connectionTimeout: config.server.request_timeout_ms + 10_000,
    keepAliveTimeout: 72_000,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.decorateRequest('ctx', null as unknown as RequestContext);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const caller = await options.authenticator.authenticate(request.headers);
    request.ctx = {
      requestId: request.id,
      deadline: Date.now() + config.server.request_timeout_ms,
      log: logger,
      caller,
      surface: 'unknown',
      outcome: newOutcome(),
      noCache: /no-cache|no-store/i.test(request.headers['cache-control'] ?? ''),
    };
    if (options.limits && caller.limits) {
      const headers = await options.limits.admit(request.ctx);
      if (headers) reply.headers(headers);
    }
  });

  const observers = options.observers ?? [];
  app.addHook('onResponse', async (request, reply) => {
    const ctx = request.ctx;
    const ms = reply.elapsedTime;
    if (ctx) for (const o of observers) o.onResponse(ctx, reply.statusCode, ms);
  });

  app.setErrorHandler((error, request, reply) => {
    const err = fromFrameworkError(error);
    logError(logger, err, request);
    return renderOpenAiError(err, request, reply);
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404);
    return { error: { message: `No route for ${request.method} ${request.url.split('?')[0]}`, type: 'invalid_request_error', param: null, code: 'route_not_found' } };
  });
  return app;
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
