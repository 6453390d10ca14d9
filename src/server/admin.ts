import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { OpenApiRegistry } from '../api/openapi/registry.js';
import type { DependencyReport } from '../observability/health.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isConnectionFailure } from '../store/deadline.js';
import { errorHeaders, fromFrameworkError, openAiEnvelope } from './errors.js';

export interface AdminServerOptions {
  /** Whether this instance can serve: config loaded, listeners up, secrets decryptable ... */
  readonly readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Per-dependency detail for `/healthz` (database, Redis ...). */
  readonly health: () => Promise<readonly DependencyReport[]>;
  /** Prometheus exposition; `/metrics` is absent when not given. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** True once shutdown started: readiness turns false so load balancers stop sending. */
  readonly draining?: () => boolean;
  readonly openapi?: OpenApiRegistry;
}

export const livenessResponseSchema = z.object({ status: z.literal('ok') });
export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']).describe('"degraded" while a dependency is down; the gateway still serves'),
  dependencies: z.record(
    z.string(),
    z.object({
      status: z.enum(['up', 'down']),
      detail: z.string().optional(),
      since: z.string().describe('ISO time of the last change of state'),
    }),
  ),
});
export const readinessResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()).describe('"ok", or why the dependency is not usable'),
});

/** The admin server (loopback by default): health, readiness, metrics and, as they land, the admin API. */
export function buildAdminServer(options: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const doc = options.openapi;

  doc?.add({
    method: 'get',
    path: '/livez',
    server: 'admin',
    tags: ['operations'],
    summary: 'Liveness: the process is up and its event loop turns',
    response: { name: 'Liveness', schema: livenessResponseSchema },
  });
  app.get('/livez', async () => ({ status: 'ok' as const }));

  doc?.add({
    method: 'get',
    path: '/healthz',
    server: 'admin',
    tags: ['operations'],
    summary: 'Dependency health: database, Redis ... each up or down (always 200; not a probe)',
    response: { name: 'Health', schema: healthResponseSchema },
  });
  app.get('/healthz', async () => {
    const reports = await options.health();
    const dependencies: Record<string, { status: 'up' | 'down'; detail?: string; since: string }> = {};
    for (const r of reports)
      dependencies[r.name] = { status: r.up ? 'up' : 'down', ...(r.detail ? { detail: r.detail } : {}), since: r.since };
    return { status: reports.every((r) => r.up) ? ('ok' as const) : ('degraded' as const), dependencies };
  });

  doc?.add({
    method: 'get',
    path: '/readyz',
    server: 'admin',
    tags: ['operations'],
    summary:
      'Readiness: config and snapshot loaded, listeners up, secrets decryptable, not draining (503 otherwise); dependencies only with server.strict_readiness',
    response: { name: 'Readiness', schema: readinessResponseSchema },
  });
  app.get('/readyz', async (_request, reply) => {
    const report = await options.readiness();
    const draining = options.draining?.() ?? false;
    const checks = draining ? { ...report.checks, shutdown: 'draining' } : report.checks;
    const ready = report.ready && !draining;
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  });

  const metrics = options.metrics;
  if (metrics) {
    doc?.add({
      method: 'get',
      path: '/metrics',
      server: 'admin',
      tags: ['operations'],
      summary: 'Prometheus metrics',
      response: { text: 'Prometheus text exposition format' },
    });
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics();
      reply.header('content-type', contentType);
      return body;
    });
  }

  app.setNotFoundHandler((request, reply) => {
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
  app.setErrorHandler((error, _request, reply) => {
    const err = isConnectionFailure(error)
      ? new GatewayError('database_unavailable', 'The database is unavailable; this change was not confirmed. Try again shortly.', {
          retryAfterMs: 2000,
        })
      : fromFrameworkError(error);
    reply.code(err.status);
    reply.headers(errorHeaders(err));
    return openAiEnvelope(err);
  });
  return app;
}
