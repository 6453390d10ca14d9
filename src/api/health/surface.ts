import { z } from 'zod';
import type { DependencyReport } from '../../observability/health.js';
import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';

export interface HealthSurfaceDeps {
  /** Whether this instance can serve: config loaded, listeners up, secrets decryptable ... */
  readonly readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Per-dependency detail for `/healthz` (database, Redis ...). */
  readonly health: () => Promise<readonly DependencyReport[]>;
  /** Prometheus exposition; `/metrics` is absent when not given. */
  readonly metrics?: () => Promise<{ contentType: string; body: string }>;
  /** True once shutdown started: readiness turns false so load balancers stop sending. */
  readonly draining?: () => boolean;
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

/** Probes and metrics on the admin listener, without the admin key (keep the listener private). */
export const healthSurface = defineSurface<HealthSurfaceDeps>({
  name: 'health',
  listener: 'admin',
  body: { kind: 'json' },
  auth: 'public',
  errors: openAiErrors,
  tags: ['operations'],
  routes: [
    {
      method: 'get',
      path: '/livez',
      doc: {
        summary: 'Liveness: the process is up and its event loop turns',
        response: { name: 'Liveness', schema: livenessResponseSchema },
      },
      handler: () => async () => ({ status: 'ok' as const }),
    },
    {
      method: 'get',
      path: '/healthz',
      doc: {
        summary: 'Dependency health: database, Redis ... each up or down (always 200; not a probe)',
        response: { name: 'Health', schema: healthResponseSchema },
      },
      handler: (deps) => async () => {
        const reports = await deps.health();
        const dependencies: Record<string, { status: 'up' | 'down'; detail?: string; since: string }> = {};
        for (const r of reports)
          dependencies[r.name] = { status: r.up ? 'up' : 'down', ...(r.detail ? { detail: r.detail } : {}), since: r.since };
        return { status: reports.every((r) => r.up) ? ('ok' as const) : ('degraded' as const), dependencies };
      },
    },
    {
      method: 'get',
      path: '/readyz',
      doc: {
        summary:
          'Readiness: config and snapshot loaded, listeners up, secrets decryptable, not draining (503 otherwise); dependencies only with server.strict_readiness',
        response: { name: 'Readiness', schema: readinessResponseSchema },
      },
      handler: (deps) => async (_request, reply) => {
        const report = await deps.readiness();
        const draining = deps.draining?.() ?? false;
        const checks = draining ? { ...report.checks, shutdown: 'draining' } : report.checks;
        const ready = report.ready && !draining;
        reply.code(ready ? 200 : 503);
        return { status: ready ? 'ready' : 'not_ready', checks };
      },
    },
    {
      method: 'get',
      path: '/metrics',
      doc: { summary: 'Prometheus metrics', response: { text: 'Prometheus text exposition format' } },
      when: (deps) => deps.metrics !== undefined,
      handler: (deps) => {
        const metrics = deps.metrics!;
        return async (_request, reply) => {
          const { contentType, body } = await metrics();
          reply.header('content-type', contentType);
          return body;
        };
      },
    },
  ],
});
