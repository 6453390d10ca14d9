import { openAiErrors } from '../envelopes.js';
import { defineSurface } from '../surface.js';
import type { OpenApiRegistry } from './registry.js';

/** The OpenAPI document version (the API contract, not the package version). */
export const API_VERSION = '1.0.0';

export interface OpenApiSurfaceDeps {
  /** Filled by every surface mounted on either listener. */
  readonly registry: OpenApiRegistry;
}

/** `GET /openapi.json` on the proxy, public; rendered once on first use (routes are fixed after boot). */
export const openApiSurface = defineSurface<OpenApiSurfaceDeps>({
  name: 'openapi',
  listener: 'proxy',
  body: { kind: 'json' },
  auth: 'public',
  errors: openAiErrors,
  tags: ['operations'],
  routes: [
    {
      method: 'get',
      path: '/openapi.json',
      doc: { summary: 'This OpenAPI document' },
      handler: ({ registry }) => {
        let cached: string | undefined;
        return async (_request, reply) => {
          cached ??= JSON.stringify(registry.document({ version: API_VERSION }), null, 2) + '\n';
          reply.header('content-type', 'application/json; charset=utf-8');
          return cached;
        };
      },
    },
  ],
});
