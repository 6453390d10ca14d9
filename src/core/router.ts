import type { GatewayConfig } from '../config/load.js';
import type { ModelConfig, PriceConfig } from '../config/schema.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderCapabilities, Target } from '../providers/types.js';
import type { ProviderRuntime } from './upstream.js';

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

/** Resolves caller-facing model names (aliases or `provider/model`) into ordered targets. */
export class Router {
  constructor(
    private readonly config: GatewayConfig,
    private readonly providers: ReadonlyMap<string, ProviderRuntime>,
  ) {}

  /**
   * The primary target, then the request's fallbacks, then the alias's; duplicates dropped.
   * Targets whose provider lacks `capability` are rejected with a clear error.
   */
  route(model: string, capability: keyof ProviderCapabilities, requestFallbacks: readonly string[] = []): Route {
    const alias = this.config.models.get(model);
    const primary = this.resolveOne(model, capability);
    const targets: ResolvedTarget[] = [primary];
    const seen = new Set([primary.label]);
    const more = alias ? [...requestFallbacks, ...alias.fallbacks] : requestFallbacks;
    for (const name of more) {
      const t = this.resolveOne(name, capability, 'fallbacks');
      if (!seen.has(t.label)) {
        seen.add(t.label);
        targets.push(t);
      }
    }
    return { requested: model, alias, targets };
  }

  /** Names of every alias and provider, for error messages and model lists. */
  get aliases(): readonly ModelConfig[] {
    return [...this.config.models.values()];
  }

  private resolveOne(name: string, capability: keyof ProviderCapabilities, param = 'model'): ResolvedTarget {
    const alias = this.config.models.get(name);
    const address = alias ? alias.target : name;
    const slash = address.indexOf('/');
    const provider = slash > 0 ? this.providers.get(address.slice(0, slash)) : undefined;
    const model = slash > 0 ? address.slice(slash + 1) : '';
    if (!provider || model === '' || (provider.adapter.models && !provider.adapter.models.includes(model))) {
      throw this.unknownModel(name, param);
    }
    if (!provider.adapter.capabilities[capability]) {
      throw new GatewayError(
        'capability_not_supported',
        `Model '${name}' is served by provider '${provider.name}' (${provider.adapter.type}), which does not support ${capability}`,
        { param },
      );
    }
    const options = alias?.bedrock_route ? { bedrockRoute: alias.bedrock_route } : undefined;
    return { provider, model, upstream: { provider: provider.name, model, options }, label: `${provider.name}/${model}`, alias, price: alias?.price };
  }

  private unknownModel(name: string, param: string): GatewayError {
    const providers = [...this.providers.keys()].join(', ');
    const aliases = [...this.config.models.keys()].slice(0, 10).join(', ');
    return new GatewayError(
      'model_not_found',
      `Model '${name}' is not configured. Address models as 'provider/model' (configured providers: ${providers})` +
        (aliases ? ` or by alias (${aliases})` : '') +
        '; the built-in reranker is local/bm25.',
      { param },
    );
  }
}
