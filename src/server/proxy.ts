import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { awsErrors } from '../api/bedrock/errors.js';
import { openAiErrors } from '../api/envelopes.js';
import type { CallerAuthenticator } from '../auth/inbound/authenticator.js';
import type { SigV4CallerAuthenticator } from '../auth/inbound/sigv4-caller.js';
import type { GatewayConfig } from '../config/load.js';
import type { RequestContext, RequestObserver, UsageSink } from '../core/context.js';
import type { LimitEnforcer } from '../core/limits/enforce.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../observability/log.js';
import type { Tracing } from '../observability/tracing.js';
import { registerBodyParsers } from './body-parsers.js';
import { createDualProtocolServer } from './dual-protocol.js';
import { requestIdFrom } from './request-id.js';
import { installRequestContext } from './request-context.js';
import { installSettle } from './settle.js';
import { errorHandler, logError, notFoundHandler, sendError } from './surface.js';

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

/**
 * The proxy listener: HTTP/1.1 and HTTP/2 on one port, inbound timeouts, request ids, the
 * per-request context and caller auth, the end-of-request bookkeeping, and the answer for
 * paths no surface claims. Surfaces are mounted on it (`mountSurface`); they never see auth or ids.
 */
export function buildProxyServer(options: ProxyServerOptions): FastifyInstance {
  const { config, logger } = options;
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
      return reply.send(sendError(isAwsPath(request.url) ? awsErrors : openAiErrors, err, request, reply));
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
  // Paths no surface claims still parse JSON the guarded way (and refuse anything else with a 415).
  registerBodyParsers(app, { kind: 'json' }, server.max_json_depth);

  installRequestContext(app, {
    logger,
    requestTimeoutMs: server.request_timeout_ms,
    keysRequired: server.auth === 'keys',
    authenticator: options.authenticator,
    sigv4: options.sigv4,
    limits: options.limits,
    usage: options.usage,
    tracing: options.tracing,
  });
  if (options.logPayloads) {
    app.addHook('preHandler', async (request) => {
      logger.info({ requestId: request.id, path: request.url, body: request.body }, 'request payload');
    });
  }
  installSettle(app, { observers: options.observers ?? [], usage: options.usage, tracing: options.tracing });

  app.setErrorHandler(errorHandler(openAiErrors, logger));
  app.setNotFoundHandler(notFoundHandler(openAiErrors, logger));
  return app;
}

/** Native Bedrock routes answer in the AWS shape even when the router refuses the path. */
const isAwsPath = (url: string): boolean =>
  url.startsWith('/model/') || url.startsWith('/bedrock/') || url === '/rerank' || url.startsWith('/rerank?');

function routerErrorMessage(code: string | undefined): string {
  if (code === 'FST_ERR_BAD_URL') return 'The request path has an invalid percent-encoding';
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') return 'A path segment is longer than 2048 characters';
  return 'The request path could not be routed';
}
