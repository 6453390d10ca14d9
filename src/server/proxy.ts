import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { CallerAuthenticator } from '../auth/inbound/authenticator.js';
import type { SigV4CallerAuthenticator } from '../auth/inbound/sigv4-caller.js';
import { hasSigV4 } from '../auth/inbound/sigv4-verify.js';
import type { GatewayConfig } from '../config/load.js';
import { newOutcome, type Caller, type RequestContext } from '../core/context.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../observability/log.js';
import { createDualProtocolServer } from './dual-protocol.js';
import { errorHeaders, fromFrameworkError, openAiEnvelope } from './errors.js';
import { registerFastJsonParser } from './json-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on proxy routes. */
    ctx: RequestContext;
    /** The body bytes as received, kept by surfaces whose callers sign the body (SigV4). */
    rawBody?: Buffer;
  }
  interface FastifyContextConfig {
    /** The route accepts AWS SigV4-signed callers (native Bedrock routes). */
    sigv4?: boolean;
  }
}

/** Placeholder caller until a SigV4 signature is checked, which needs the parsed body. */
const SIGV4_PENDING: Caller = Object.freeze({ keyId: '', name: 'sigv4-pending' });

export interface RequestObserver {
  /** Called once per proxy request after the response went out. */
  onResponse(ctx: RequestContext, status: number, durationMs: number): void;
}

export interface ProxyServerOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly authenticator: CallerAuthenticator;
  readonly observers?: readonly RequestObserver[];
  /** Verifies SigV4-signed callers on routes that opt in; absent = such callers are refused. */
  readonly sigv4?: SigV4CallerAuthenticator;
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
    // HTTP/1.1 and HTTP/2 (h2c prior knowledge, or ALPN over TLS) on one port.
    serverFactory: (handler) =>
      createDualProtocolServer(handler, {
        tls: config.server.tls,
        keepAliveTimeoutMs: 72_000,
        connectionTimeoutMs: config.server.request_timeout_ms + 10_000,
      }),
  });
  app.decorateRequest('ctx', null as unknown as RequestContext);
  registerFastJsonParser(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    const sigv4 = config.server.auth === 'keys' && request.routeOptions.config?.sigv4 === true && hasSigV4(request.headers);
    const caller = sigv4 ? SIGV4_PENDING : await options.authenticator.authenticate(request.headers);
    request.ctx = {
      requestId: request.id,
      deadline: Date.now() + config.server.request_timeout_ms,
      log: logger,
      caller,
      surface: 'unknown',
      outcome: newOutcome(),
      noCache: /no-cache|no-store/i.test(request.headers['cache-control'] ?? ''),
    };
  });

  // SigV4 signs the body, so it is checked once the route's parser kept the raw bytes.
  app.addHook('preValidation', async (request) => {
    if (request.ctx?.caller !== SIGV4_PENDING) return;
    if (!options.sigv4) throw new GatewayError('invalid_api_key', 'SigV4-signed requests are not accepted: no AWS access keys are configured');
    const caller = await options.sigv4.authenticate({
      method: request.method,
      path: request.raw.url ?? request.url,
      headers: request.headers,
      body: request.rawBody,
    });
    request.ctx = { ...request.ctx, caller };
  });

  // Every surface reports fail-open and cache use the same way, even those whose body
  // has no room for it (TEI's bare array).
  app.addHook('onSend', (request, reply, payload, done) => {
    const out = request.ctx?.outcome;
    if (out?.degraded) reply.header('x-rankway-degraded', 'true');
    if (out && out.cacheHits + out.cacheMisses > 0) reply.header('x-rankway-cache', `hits=${out.cacheHits}, misses=${out.cacheMisses}`);
    done(null, payload);
  });

  const observers = options.observers ?? [];
  // Callback style: an async hook costs a promise per request for nothing here.
  app.addHook('onResponse', (request, reply, done) => {
    const ctx = request.ctx;
    const ms = reply.elapsedTime;
    if (ctx) for (const o of observers) o.onResponse(ctx, reply.statusCode, ms);
    done();
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
