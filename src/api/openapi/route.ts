import type { FastifyInstance } from 'fastify';
import type { OpenApiRegistry } from './registry.js';

/** The OpenAPI document version (the API contract, not the package version). */
export const API_VERSION = '1.0.0';

/** `GET /openapi.json` on the proxy, public; rendered once on first use (routes are fixed after boot). */
export function registerOpenApiRoute(app: FastifyInstance, registry: OpenApiRegistry): void {
  registry.add({
    method: 'get',
    path: '/openapi.json',
    server: 'proxy',
    tags: ['operations'],
    summary: 'This OpenAPI document',
    public: true,
  });
  let cached: string | undefined;
  app.get('/openapi.json', { config: { public: true } }, async (_request, reply) => {
    cached ??= JSON.stringify(registry.document({ version: API_VERSION }), null, 2) + '\n';
    reply.header('content-type', 'application/json; charset=utf-8');
    return cached;
  });
}
