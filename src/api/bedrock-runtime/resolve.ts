import type { ModelConfig } from '../../config/schema.js';
import type { Route, ResolvedTarget, RoutingTable } from '../../core/router.js';
import type { ProviderRuntime } from '../../core/upstream.js';
import { GatewayError } from '../../errors/gateway-error.js';

const ARN_REGION = /^arn:aws[a-z-]*:bedrock:([a-z0-9-]+):/;

/**
 * Which Bedrock provider serves a native `/model/{modelId}/...` request, and as which model:
 * an alias name (targeting a Bedrock provider), a model id or ARN listed in an alias's `arns`,
 * or else the id as is on the Bedrock provider of the ARN's region (the first one otherwise).
 */
export class RuntimeModelResolver {
  private readonly byName = new Map<string, ModelConfig>();
  private readonly byArn = new Map<string, ModelConfig>();
  private readonly byRegion = new Map<string, ProviderRuntime>();
  private readonly first?: ProviderRuntime;

  private readonly providers: ReadonlyMap<string, ProviderRuntime>;

  /** Built once per routing table (the control plane swaps tables on change). */
  constructor(table: RoutingTable) {
    const providers = table.providers;
    this.providers = providers;
    let first: ProviderRuntime | undefined;
    for (const p of providers.values()) {
      if (p.adapter.type !== 'bedrock') continue;
      first ??= p;
      const region = (p.config as { region?: string }).region;
      if (region && !this.byRegion.has(region)) this.byRegion.set(region, p);
    }
    this.first = first;
    for (const m of table.models.values()) {
      if (!this.isBedrock(m.target)) continue;
      this.byName.set(m.name, m);
      for (const arn of m.arns) if (!this.byArn.has(arn)) this.byArn.set(arn, m);
    }
  }

  /** A one-target route, so the caller's allow-list applies exactly as on other surfaces. */
  resolve(modelId: string): Route {
    const alias = this.byName.get(modelId) ?? this.byArn.get(modelId);
    if (alias) {
      const slash = alias.target.indexOf('/');
      return this.route(modelId, this.providers.get(alias.target.slice(0, slash))!, alias.target.slice(slash + 1), alias);
    }
    const region = ARN_REGION.exec(modelId)?.[1];
    const provider = (region && this.byRegion.get(region)) || this.first;
    if (!provider) {
      throw new GatewayError('model_not_found', `No Bedrock provider is configured to serve '${modelId}'`, { param: 'modelId' });
    }
    return this.route(modelId, provider, modelId);
  }

  private route(requested: string, provider: ProviderRuntime, model: string, alias?: ModelConfig): Route {
    const target: ResolvedTarget = {
      provider,
      model,
      upstream: { provider: provider.name, model },
      label: `${provider.name}/${model}`,
      alias,
      price: alias?.price,
    };
    return { requested: alias?.name ?? requested, alias, targets: [target] };
  }

  private isBedrock(target: string): boolean {
    return this.providers.get(target.slice(0, target.indexOf('/')))?.adapter.type === 'bedrock';
  }
}
