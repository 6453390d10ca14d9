import type { ModelConfig, ProviderBaseConfig } from '../../config/schema.js';
import type { ProviderAdapter } from '../../providers/types.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { bareModelId, parseModelArn } from '../../providers/bedrock/model-ids.js';

/**
 * Turns a native request's `modelArn` into a model name the router knows. A model entry's
 * `arns` (full ARNs or bare ids) wins, so any reranker can answer Bedrock-shaped requests;
 * otherwise a configured Bedrock provider in the ARN's region gets the ARN as is.
 */
/** Models and providers to resolve against: the config file's, or the control plane's current table. */
export interface RoutingSource {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly providers: ReadonlyMap<string, { readonly config: ProviderBaseConfig; readonly adapter: ProviderAdapter }>;
}

export class BedrockModelLookup {
  private readonly byArn = new Map<string, string>();
  private readonly bedrockByRegion = new Map<string, string>();
  private readonly firstBedrock?: string;

  constructor(config: RoutingSource) {
    for (const model of config.models.values()) {
      for (const arn of model.arns) if (!this.byArn.has(arn)) this.byArn.set(arn, model.name);
    }
    let first: string | undefined;
    for (const [name, p] of config.providers) {
      if (p.adapter.type !== 'bedrock') continue;
      const region = (p.config as { region?: string }).region;
      if (region && !this.bedrockByRegion.has(region)) this.bedrockByRegion.set(region, name);
      first ??= name;
    }
    this.firstBedrock = first;
  }

  resolve(modelArn: string): string {
    const alias = this.byArn.get(modelArn) ?? this.byArn.get(bareModelId(modelArn));
    if (alias) return alias;
    const arn = parseModelArn(modelArn);
    const provider = arn ? this.bedrockByRegion.get(arn.region) : this.firstBedrock;
    if (provider) return `${provider}/${modelArn}`;
    throw new GatewayError(
      'model_not_found',
      `No configured model answers for modelArn '${modelArn}': list it under a model's arns, or configure a bedrock provider for its region`,
      { param: 'modelArn' },
    );
  }
}
