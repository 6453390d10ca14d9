import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { OpenApiRegistry } from '../api/openapi/registry.js';
import { fromFrameworkError, openAiEnvelope } from './errors.js';

export interface AdminServerOptions {
  /** Reports whether dependencies (database, Redis, config) are reachable. */
  readonly readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Prometheus exposition; `/metrics` is absent when not given. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** True once shutdown started: readiness turns false so load balancers stop sending. */
  readonly draining?: () => boolean;
  readonly openapi?: OpenApiRegistry;
}

export const healthResponseSchema = z.object({ status: z.literal('ok') });
export const readinessResponseSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.string()).describe('"ok", or why the dependency is not usable'),
});

/** The admin server (loopback by default): health, readiness, metrics and, as they land, the admin API. */
export function buildAdminServer(options: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const doc = options.openapi;

  doc?.add({ method: 'get', path: '/healthz', server: 'admin', tags: ['operations'], summary: 'Liveness: the process is up', response: { name: 'Health', schema: healthResponseSchema } });
  app.get('/healthz', async () => ({ status: 'ok' as const }));

  doc?.add({
    method: 'get',
    path: '/readyz',
    server: 'admin',
    tags: ['operations'],
    summary: 'Readiness: config loaded, database and Redis reachable, not draining (503 otherwise)',
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
    doc?.add({ method: 'get', path: '/metrics', server: 'admin', tags: ['operations'], summary: 'Prometheus metrics', response: { text: 'Prometheus text exposition format' } });
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics();
      reply.header('content-type', contentType);
      return body;
    });
  }

  app.setNotFoundHandler((request, reply) => {
    reply.code(404);
    return { error: { message: `No route for ${request.method} ${request.url.split('?')[0]}`, type: 'invalid_request_error', param: null, code: 'route_not_found' } };
  });
  app.setErrorHandler((error, _request, reply) => {
    const err = fromFrameworkError(error);
    reply.code(err.status);
    return openAiEnvelope(err);
  });
  return app;
}
