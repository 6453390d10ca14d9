import type { FastifyInstance } from 'fastify';
import type { OpenApiRegistry } from '../openapi/registry.js';
import type { Injector } from '../../eval/proxy-reranker.js';
import { registerApiKeyRoutes } from './apikeys.js';
import { registerAwsAccessKeyRoutes } from './aws-access-keys.js';
import type { AdminDepsGetter } from './common.js';
import { registerMeRoute } from './me.js';
import { registerModelRoutes } from './models.js';
import { registerPlaygroundRoute } from './playground.js';
import { registerProviderKeyRoutes } from './provider-keys.js';
import { registerRequestRoutes } from './requests.js';
import { authorizeAdminRequest, registerRolesRoute } from './roles.js';
import { registerUsageSeriesRoute } from './usage-series.js';
import { registerUsageRoutes } from './usage.js';

export interface AdminApiOptions {
  readonly deps: AdminDepsGetter;
  readonly openapi?: OpenApiRegistry;
  /** The proxy, for the console's playground (requests go through it in-process). */
  readonly proxy?: () => Injector;
}

/**
 * `/admin/v1/*`: provider keys, models, API keys, AWS access keys, usage and the console's
 * reads, each route behind the permission the role table (roles.ts) gives it.
 */
export function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): void {
  const { deps, openapi } = options;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/admin/')) return;
    authorizeAdminRequest(request, deps);
  });
  registerProviderKeyRoutes(app, deps, openapi);
  registerModelRoutes(app, deps, openapi);
  registerApiKeyRoutes(app, deps, openapi);
  registerAwsAccessKeyRoutes(app, deps, openapi);
  registerUsageRoutes(app, deps, openapi);
  registerUsageSeriesRoute(app, deps, openapi);
  registerRequestRoutes(app, deps, openapi);
  registerRolesRoute(app, openapi);
  registerMeRoute(app, deps, openapi);
  if (options.proxy) registerPlaygroundRoute(app, options.proxy, openapi);
}
