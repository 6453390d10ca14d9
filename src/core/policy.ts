import { coded, invalidRequest } from '../errors/gateway-error.js';
import type { Caller, RequestContext } from './context.js';
import type { ResolvedTarget, Route } from './router.js';

/**
 * The most fallbacks a caller may name in one request, on every surface. Each one can cost
 * a full set of upstream attempts, so the list is short.
 */
export const MAX_CALLER_FALLBACKS = 5;

const globCache = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    re = new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
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
 * `provider/model` it resolves to. This holds for every name the caller sends (the model and
 * each of its fallbacks); only fallbacks the operator configured on an alias are not checked.
 */
export function mayUse(caller: Caller, requested: string, target: string): boolean {
  const allowed = caller.allowedModels;
  return allowed === undefined || matchesAllowList(requested, allowed) || matchesAllowList(target, allowed);
}

/** Refuses a caller-named model (primary or fallback) the key may not use, naming it. */
export function permit(caller: Caller, requested: string, target: ResolvedTarget, param = 'model'): void {
  if (!mayUse(caller, requested, target.label)) {
    throw coded('model_not_allowed', { model: requested }, { param });
  }
}

/** The one cap on caller fallbacks: a 400 beyond it, before anything is resolved. */
export function checkFallbackCount(fallbacks: readonly unknown[] | undefined): void {
  if (fallbacks !== undefined && fallbacks.length > MAX_CALLER_FALLBACKS) {
    throw coded(
      'too_many_fallbacks',
      { count: fallbacks.length, max: MAX_CALLER_FALLBACKS },
      {
        param: 'fallbacks',
      },
    );
  }
}

/**
 * Keys of a request's pass-through `extra` fields that would let the upstream pick another
 * model than the one the allow-list checked (OpenRouter's `models`, LiteLLM's `fallbacks`,
 * a Bedrock `modelArn`...). They are refused rather than dropped, so the caller knows.
 */
const STEERING_KEYS: ReadonlySet<string> = new Set([
  'model',
  'models',
  'fallbacks',
  'model_id',
  'modelId',
  'modelArn',
  'model_arn',
  'modelConfiguration',
  'rerankingConfiguration',
  'inferenceProfileArn',
  'deployment_id',
]);

/**
 * 400 when pass-through fields name a model of their own. `where` is the field they came in
 * (`extra`), or undefined when they are top-level fields of the body (OpenAI extras).
 */
export function refuseSteeringExtras(extra: Readonly<Record<string, unknown>> | undefined, where?: string): void {
  if (extra === undefined) return;
  for (const key in extra) {
    if (STEERING_KEYS.has(key)) {
      const param = where ? `${where}.${key}` : key;
      throw invalidRequest(
        `${param} is not accepted: only 'model' and 'fallbacks' choose the model, so the key's allow-list covers it`,
        param,
      );
    }
  }
}

/**
 * Names the alias in the request's outcome once a route is admitted. Surfaces that build a
 * route themselves (the Bedrock runtime relay) call it; the router's services go
 * through `gate` for every caller-named target.
 */
export function admit(ctx: RequestContext, route: Route): void {
  permit(ctx.caller, route.requested, route.targets[0]);
  ctx.outcome.alias = route.alias?.name ?? route.requested;
}

/**
 * The check the router runs on each target a caller named, right after resolving it and
 * before anything else about it is revealed: the primary (param `model`) and each fallback.
 */
export function gate(ctx: RequestContext): (requested: string, target: ResolvedTarget, param: string) => void {
  return (requested, target, param) => {
    permit(ctx.caller, requested, target, param);
    // A name that did not resolve is checked by name alone (no provider): it is not recorded
    // as the request's alias, so usage of an unknown model is not filed under it.
    if (param === 'model' && target.provider) ctx.outcome.alias = target.alias?.name ?? requested;
  };
}
