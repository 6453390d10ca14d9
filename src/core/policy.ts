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
 * A key may use a model when its allow-list names the name the caller sent or the
 * `provider/model` it resolves to. Fallback targets ride on that permission.
 */
export function mayUse(caller: Caller, requested: string, target: string): boolean {
  const allowed = caller.allowedModels;
  return allowed === undefined || matchesAllowList(requested, allowed) || matchesAllowList(target, allowed);
}

/**
 * The one call every surface and core service makes once it resolved a route: refuses a
 * model the caller may not use and names the alias in the request's outcome. Rate limits
 * and budgets are already applied to every proxy request by the server before any handler
 * runs, so surfaces cannot forget them.
 */
export function admit(ctx: RequestContext, route: Route): void {
  if (!mayUse(ctx.caller, route.requested, route.targets[0].label)) {
    throw new GatewayError('model_not_allowed', `This API key may not use model '${route.requested}'`, { param: 'model' });
  }
  ctx.outcome.alias = route.alias?.name ?? route.requested;
}
