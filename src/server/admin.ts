import Fastify, { type FastifyInstance } from 'fastify';
import { fromFrameworkError, openAiEnvelope } from './errors.js';

export interface AdminServerOptions {
  /** Reports whether dependencies (database, Redis) are reachable. */
  readonly readiness: () => Promise<Record<string, boolean>>;
}

/** The admin server (loopback by default): health and, as they land, the admin API and metrics. */
export function buildAdminServer(options: AdminServerOptions): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await options.readiness();
    const ready = Object.values(checks).every(Boolean);
    reply.code(ready ? 200 : 503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  });
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
