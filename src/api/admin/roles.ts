import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { SurfaceRoute } from '../surface.js';
import { isAdmin } from '../../auth/inbound/admin-key.js';
import { KeyringAuthenticator, presentedKey } from '../../auth/inbound/authenticator.js';
import type { Caller } from '../../core/context.js';
import { coded, GatewayError } from '../../errors/gateway-error.js';
import type { AdminDepsGetter, AdminSurfaceDeps } from './common.js';

/**
 * Who may do what on the admin port: one table the request hook enforces and
 * `GET /admin/v1/roles` publishes, so the console shows exactly what the API allows.
 */
export type Role = 'admin' | 'caller';

export const PERMISSIONS = {
  'usage.read': 'Read usage reports, series and the request log',
  'keys.read': 'List caller keys',
  'keys.write': 'Create, edit, disable and delete caller keys',
  'models.read': 'List models (aliases)',
  'models.write': 'Create, edit and delete models',
  'providers.read': 'List provider keys (secrets are never shown)',
  'providers.write': 'Create, edit and delete provider keys',
  'aws_keys.read': 'List AWS access keys',
  'aws_keys.write': 'Create, edit and delete AWS access keys',
  'evals.read': 'Read evaluation sets and runs',
  'evals.write': 'Create evaluation sets and start runs',
  'playground.run': 'Run rerankers side by side through the proxy',
  'self.read': 'Read the signed-in key’s own usage, limits and budget',
} as const;
export type Permission = keyof typeof PERMISSIONS;

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: Object.keys(PERMISSIONS).filter((p) => p !== 'self.read') as Permission[],
  caller: ['self.read'],
};

/** `METHOD path-prefix` → the permission it needs; the first (longest) match wins. */
const ROUTE_PERMISSIONS: readonly (readonly [string, string, Permission])[] = [
  ['GET', '/admin/v1/me', 'self.read'],
  ['GET', '/admin/v1/usage', 'usage.read'],
  ['GET', '/admin/v1/requests', 'usage.read'],
  ['GET', '/admin/v1/apikeys', 'keys.read'],
  ['*', '/admin/v1/apikeys', 'keys.write'],
  ['GET', '/admin/v1/models', 'models.read'],
  ['*', '/admin/v1/models', 'models.write'],
  ['GET', '/admin/v1/provider_keys', 'providers.read'],
  ['*', '/admin/v1/provider_keys', 'providers.write'],
  ['GET', '/admin/v1/aws_access_keys', 'aws_keys.read'],
  ['*', '/admin/v1/aws_access_keys', 'aws_keys.write'],
  ['GET', '/admin/v1/eval', 'evals.read'],
  ['*', '/admin/v1/eval', 'evals.write'],
  ['POST', '/admin/v1/playground', 'playground.run'],
];

/** The permission a request needs; undefined for routes every signed-in role may call (the manifest). */
export function permissionFor(method: string, path: string): Permission | undefined | null {
  if (path === '/admin/v1/roles') return undefined;
  for (const [m, prefix, permission] of ROUTE_PERMISSIONS) {
    if ((m === '*' || m === method || (m === 'GET' && method === 'HEAD')) && (path === prefix || path.startsWith(`${prefix}/`)))
      return permission;
  }
  // Anything else under /admin/ (a future route, a typo) is admin-only.
  return null;
}

export interface Principal {
  readonly role: Role;
  /** The caller key, when the role is `caller`. */
  readonly caller?: Caller;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const may = (role: Role, permission: Permission | null | undefined): boolean =>
  permission === undefined || (permission !== null ? ROLE_PERMISSIONS[role].includes(permission) : role === 'admin');

/** Authenticates the admin key or a caller key, then checks the table; 401 or 403 otherwise. */
export function authorizeAdminRequest(request: FastifyRequest, deps: AdminDepsGetter): void {
  const headers = request.headers;
  if (!presentedKey(headers)) throw coded('missing_admin_key');
  const d = deps();
  let principal: Principal;
  if (isAdmin(headers, d.adminKey)) principal = { role: 'admin' };
  else {
    let caller: Caller;
    try {
      caller = new KeyringAuthenticator(() => d.control.current.keyring, true).authenticate(headers);
    } catch {
      throw coded('invalid_admin_key');
    }
    principal = { role: 'caller', caller };
  }
  const path = request.url.split('?')[0];
  if (!may(principal.role, permissionFor(request.method, path))) {
    throw new GatewayError('permission_denied', `A ${principal.role} key may not ${request.method} ${path}`);
  }
  request.principal = principal;
}

export const rolesResponseSchema = z.object({
  object: z.literal('roles'),
  role: z.enum(['admin', 'caller']).describe('The role of the key that asked'),
  permissions: z.array(z.string()).describe('What that role may do'),
  roles: z.record(z.string(), z.array(z.string())),
  descriptions: z.record(z.string(), z.string()),
  routes: z.array(z.object({ method: z.string(), path: z.string(), permission: z.string() })),
});

/** `GET /admin/v1/roles`: the manifest, and the role of the key asking. */
export const rolesRoutes: readonly SurfaceRoute<AdminSurfaceDeps>[] = [
  {
    method: 'get',
    path: '/v1/roles',
    doc: {
      tags: ['admin', 'console'],
      summary: 'The role manifest: which role may do what, and the role of the key asking',
      description: 'The admin API enforces this same table; the console reads it to decide what to show. Any valid key may call it.',
      response: { name: 'Roles', schema: rolesResponseSchema },
      errors: [401],
    },
    handler: (_deps) => async (request) => {
      const role = request.principal?.role ?? 'admin';
      return {
        object: 'roles' as const,
        role,
        permissions: [...ROLE_PERMISSIONS[role]],
        roles: Object.fromEntries(Object.entries(ROLE_PERMISSIONS).map(([r, p]) => [r, [...p]])),
        descriptions: { ...PERMISSIONS },
        routes: ROUTE_PERMISSIONS.map(([method, path, permission]) => ({ method, path, permission })),
      };
    },
  },
];
