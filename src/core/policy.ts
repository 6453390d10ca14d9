import { GatewayError } from '../errors/gateway-error.js';
import type { Caller, RequestContext } from './context.js';
import type { Route } from './router.js';

const globCache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    globCache.set(glob, re);
  }
  return re;
}

/** True when `name` matches one of the allow-list entries (exact names or `*` globs). */
export function matchesAllowList(name: string, allowed: readonly string[]): boolean {
  for (const entry of allowed) {
    if (entry === name || (entry.includes('*') || entry.includes('?') ? globToRegExp(entry).test(name) : false)) return true;
  }
  return false;
}

/**
 * A key may use a route when its allow-list names the alias the caller asked for, or the
 * primary target's `provider/model`. Fallback targets ride on the alias's permission.
 */
export function authorizeRoute(caller: Caller, route: Route): void {
  const allowed = caller.allowedModels;
  if (allowed === undefined) return;
  const primary = route.targets[0];
  if (matchesAllowList(route.requested, allowed) || matchesAllowList(primary.label, allowed)) return;
  throw new GatewayError('model_not_allowed', `This API key may not use model '${route.requested}'`, { param: 'model' });
}

/**
 * The one call a surface makes once it resolved a route: may this caller use it? Rate limits
 * and budgets are already applied to every proxy request by the server before any handler
 * runs, so surfaces cannot forget them.
 */
export function admit(ctx: RequestContext, route: Route): void {
  authorizeRoute(ctx.caller, route);
}
