import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthPolicy, ErrorEnvelope, Surface } from '../api/surface.js';
import { describeSurface } from '../api/surface.js';
import type { OpenApiRegistry } from '../api/openapi/registry.js';
import { coded, type GatewayError } from '../errors/gateway-error.js';
import { errorHeaders, fromFrameworkError } from '../errors/render.js';
import type { Logger } from '../observability/log.js';
import { registerBodyParsers } from './body-parsers.js';

/** What every mounted surface is given by the listener that serves it. */
export interface SurfaceEnv {
  /** Errors are logged here (with the request id) before they are rendered. */
  readonly logger: Logger;
  /** `server.max_json_depth`: the body parsers' nesting limit. */
  readonly maxJsonDepth: number;
  readonly openapi?: OpenApiRegistry;
  /** Checks the admin key of `admin` surfaces; throws the 401 to answer. */
  readonly adminAuth?: (request: FastifyRequest) => void;
}

/**
 * Mounts a declared surface: one encapsulated Fastify scope with the body parsers of its
 * policy, its error handler (classify, log, render in its envelope), its 404 handler (when it
 * owns a prefix), its auth, its routes, and their OpenAPI entries. The one place a surface
 * becomes HTTP, so none can skip the body guards or error logging.
 */
export function mountSurface<D>(app: FastifyInstance, surface: Surface<D>, deps: D, env: SurfaceEnv): void {
  if (env.openapi) describeSurface(env.openapi, surface, deps);
  const routeConfig = configFor(surface.auth);
  void app.register(
    async (scope) => {
      registerBodyParsers(scope, surface.body, env.maxJsonDepth);
      scope.setErrorHandler(errorHandler(surface.errors, env.logger));
      if (surface.prefix) scope.setNotFoundHandler(notFoundHandler(surface.errors, env.logger));
      if (surface.auth === 'admin') {
        const check = env.adminAuth;
        if (!check) throw new Error(`surface ${surface.name}: admin auth is not configured on this listener`);
        scope.addHook('onRequest', (request, _reply, done) => {
          try {
            check(request);
          } catch (err) {
            return done(err as Error);
          }
          done();
        });
      }
      for (const route of surface.routes) {
        if (route.when && !route.when(deps)) continue;
        scope.route({
          method: route.method.toUpperCase() as 'GET',
          // The prefix is the scope's own, so the route adds only its part.
          url: route.path === '/' && surface.prefix ? '' : route.path,
          bodyLimit: route.bodyLimit?.(deps),
          config: route.rawJsonBody ? { ...routeConfig, rawJsonBody: true } : routeConfig,
          handler: route.handler(deps),
        });
      }
    },
    { prefix: surface.prefix },
  );
}

/** Auth policy as route config, read by the proxy's auth hook. */
function configFor(auth: AuthPolicy): { sigv4?: boolean; public?: boolean } {
  if (auth === 'key-or-sigv4') return { sigv4: true };
  if (auth === 'public') return { public: true };
  return {};
}

/** Any thrown error, coded, recorded in the request's outcome, logged once and rendered in the envelope. */
export function errorHandler(envelope: ErrorEnvelope, logger: Logger) {
  return (error: unknown, request: FastifyRequest, reply: FastifyReply): unknown => {
    const err = envelope.classify?.(error) ?? fromFrameworkError(error);
    if (request.ctx) request.ctx.outcome.errorCode = err.code;
    logError(logger, err, request);
    return sendError(envelope, err, request, reply);
  };
}

/** An unmatched path: `route_not_found` in the envelope, logged like any other error. */
export function notFoundHandler(envelope: ErrorEnvelope, logger: Logger) {
  return (request: FastifyRequest, reply: FastifyReply): unknown => {
    const err = coded('route_not_found', { method: request.method, path: request.url.split('?')[0] });
    if (request.ctx) request.ctx.outcome.errorCode = err.code;
    logError(logger, err, request);
    return sendError(envelope, err, request, reply);
  };
}

/** Status and the headers every error carries, then the surface's body (which may add its own headers). */
export function sendError(envelope: ErrorEnvelope, err: GatewayError, request: FastifyRequest, reply: FastifyReply): unknown {
  reply.code(err.status).headers(errorHeaders(err));
  return envelope.render(err, request, reply);
}

/** One line per error: `info` for answers to the caller, `error` with the cause for the gateway's own faults. */
export function logError(logger: Logger, err: GatewayError, request: FastifyRequest): void {
  // The request's own logger carries its id; a request refused before it had one names it here.
  const log = request.ctx?.log ?? logger.child({ requestId: request.id });
  const fields = { code: err.code, status: err.status, upstreamStatus: err.upstreamStatus, detail: err.detail };
  if (err.status >= 500 && err.code === 'internal_error') log.error({ ...fields, err: err.cause ?? err }, err.message);
  else log.info(fields, err.message);
}
