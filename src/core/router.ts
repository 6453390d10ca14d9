import type { GatewayConfig } from '../config/load.js';
import type { ModelConfig, PriceConfig } from '../config/schema.js';
import { coded, GatewayError } from '../errors/gateway-error.js';
import type { ProviderCapabilities, Target } from '../providers/types.js';
import { checkFallbackCount } from './policy.js';
import type { ProviderRuntime } from './provider-runtime.js';

/** Called for each model name the caller sent, with what it resolved to; throws to refuse it. */
export type TargetCheck = (requested: string, target: ResolvedTarget, param: string) => void;

/** One place a request can be served: a provider runtime and the upstream model id. */
export interface ResolvedTarget {
  readonly provider: ProviderRuntime;
  readonly model: string;
  /** What providers see: names only. */
  readonly upstream: Target;
  /** `provider/model`. */
  readonly label: string;
  /** The alias this target came from, when it came from one. */
  readonly alias?: ModelConfig;
  readonly price?: PriceConfig;
}

/** What the caller asked for, resolved: the alias (if any) and targets in try order. */
export interface Route {
  readonly requested: string;
  readonly alias?: ModelConfig;
  readonly targets: readonly ResolvedTarget[];
}

/** What the router resolves against; replaced as a whole, never mutated. */
export interface RoutingTable {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
}

/**
 * Resolves caller-facing model names (aliases or `provider/model`) into ordered targets.
 * The table is swapped atomically when the config file or the database changes; a request
 * reads it once, so it never sees half of a change.
 */
export class Router {
  private table: RoutingTable;

  constructor(config: Pick<GatewayConfig, 'models'>, providers: ReadonlyMap<string, ProviderRuntime>) {
    this.table = { models: config.models, providers };
  }

  /** Installs a new table; in-flight requests keep the one they started with. */
  swap(table: RoutingTable): void {
    this.table = table;
  }

  get current(): RoutingTable {
    return this.table;
  }

  /** `resolveRoute` on the current table. */
  route(model: string, capability: keyof ProviderCapabilities, requestFallbacks: readonly string[] = [], check?: TargetCheck): Route {
    return resolveRoute(this.table, model, capability, requestFallbacks, check);
  }

  /**
   * The route with `name` (a traffic split's arm: an alias or `provider/model`, the
   * operator's choice) as its primary target; the route's own targets follow as fallbacks.
   */
  withPrimary(route: Route, name: string, capability: keyof ProviderCapabilities): Route {
    const primary = resolveOne(this.table, name);
    checkCapability(primary, name, capability, 'model');
    return { ...route, targets: [primary, ...route.targets.filter((t) => t.label !== primary.label)] };
  }

  /** Names of every alias and provider, for error messages and model lists. */
  get aliases(): readonly ModelConfig[] {
    return [...this.table.models.values()];
  }
}

/**
 * The one routing rule, for every surface: the primary target, then the request's fallbacks,
 * then the alias's; duplicates dropped. `check` sees each name the caller sent (the model, then
 * each fallback) as soon as it is resolved, before anything else about it is checked, so a
 * caller learns nothing about a model it may not use. Fallbacks the operator configured on the
 * alias are the operator's choice and are not passed to it. Targets whose provider lacks
 * `capability` are rejected.
 */
export function resolveRoute(
  table: RoutingTable,
  model: string,
  capability: keyof ProviderCapabilities,
  requestFallbacks: readonly string[] = [],
  check?: TargetCheck,
): Route {
  checkFallbackCount(requestFallbacks);
  const alias = table.models.get(model);
  const primary = resolveChecked(table, model, 'model', check);
  check?.(model, primary, 'model');
  checkCapability(primary, model, capability, 'model');
  const targets: ResolvedTarget[] = [primary];
  const seen = new Set([primary.label]);
  const add = (name: string, callerNamed: boolean, i: number): void => {
    const param = callerNamed ? `fallbacks[${i}]` : 'fallbacks';
    const t = callerNamed ? resolveChecked(table, name, param, check) : resolveOne(table, name, param);
    if (callerNamed) check?.(name, t, param);
    checkCapability(t, name, capability, param);
    if (!seen.has(t.label)) {
      seen.add(t.label);
      targets.push(t);
    }
  };
  for (let i = 0; i < requestFallbacks.length; i++) add(requestFallbacks[i], true, i);
  if (alias) for (const name of alias.fallbacks) add(name, false, 0);
  return { requested: model, alias, targets };
}

/**
 * A caller-named model that does not resolve is first checked by name alone: a name the key
 * may not use is refused as such (403), since a 404 would tell the caller what is configured.
 */
function resolveChecked(table: RoutingTable, name: string, param: string, check: TargetCheck | undefined): ResolvedTarget {
  try {
    return resolveOne(table, name, param);
  } catch (err) {
    if (check) check(name, { label: name } as ResolvedTarget, param);
    throw err;
  }
}

function resolveOne(table: RoutingTable, name: string, param = 'model'): ResolvedTarget {
  const alias = table.models.get(name);
  const address = alias ? alias.target : name;
  const slash = address.indexOf('/');
  const provider = slash > 0 ? table.providers.get(address.slice(0, slash)) : undefined;
  const model = slash > 0 ? address.slice(slash + 1) : '';
  if (!provider || model === '' || (provider.adapter.models && !provider.adapter.models.includes(model))) {
    throw unknownModel(name, param);
  }
  // Options the provider reads from the alias (its own keys); opaque here.
  const options = alias ? provider.adapter.modelOptions?.(alias) : undefined;
  return {
    provider,
    model,
    upstream: { provider: provider.name, model, options },
    label: `${provider.name}/${model}`,
    alias,
    price: alias?.price,
  };
}

function checkCapability(target: ResolvedTarget, name: string, capability: keyof ProviderCapabilities, param: string): void {
  const provider = target.provider;
  if (provider.adapter.capabilities[capability]) return;
  throw coded('capability_not_supported', { model: name, provider: provider.name, type: provider.adapter.type, capability }, { param });
}

/**
 * Explains addressing without listing the configured names: a key limited by its
 * allow-list must not learn what else exists. GET /v1/models lists what it may use.
 */
function unknownModel(name: string, param: string): GatewayError {
  return coded('model_not_configured', { model: name }, { param });
}
