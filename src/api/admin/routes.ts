import type { FastifyInstance } from 'fastify';
import type { OpenApiRegistry } from '../openapi/registry.js';
import { isAdmin } from '../../auth/inbound/admin-key.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { registerApiKeyRoutes } from './apikeys.js';
import { registerAwsAccessKeyRoutes } from './aws-access-keys.js';
import type { AdminDepsGetter } from './common.js';
import { registerModelRoutes } from './models.js';
import { registerProviderKeyRoutes } from './provider-keys.js';
import { registerUsageRoutes } from './usage.js';

export interface AdminApiOptions {
  readonly deps: AdminDepsGetter;
  readonly openapi?: OpenApiRegistry;
}

/** `/admin/v1/*`: provider keys, models, API keys, AWS access keys and usage, behind the admin key. */
export function registerAdminApi(app: FastifyInstance, options: AdminApiOptions): void {
  const { deps, openapi } = options;
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/admin/')) return;
    const headers = request.headers;
    if (!headers.authorization && !headers['x-api-key']) {
      throw new GatewayError('missing_api_key', 'Missing admin key: send Authorization: Bearer <admin key>');
    }
    if (!isAdmin(headers, deps().adminKey)) throw new GatewayError('invalid_api_key', 'Invalid admin key');
  });
  registerProviderKeyRoutes(app, deps, openapi);
  registerModelRoutes(app, deps, openapi);
  registerApiKeyRoutes(app, deps, openapi);
  registerAwsAccessKeyRoutes(app, deps, openapi);
  registerUsageRoutes(app, deps, openapi);
}
