import type { GatewayConfig } from '../../config/load.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { bareModelId, parseModelArn } from '../../providers/bedrock/model-ids.js';

/**
 * Turns a native request's `modelArn` into a model name the router knows. A model entry's
 * `arns` (full ARNs or bare ids) wins, so any reranker can answer Bedrock-shaped requests;
 * otherwise a configured Bedrock provider in the ARN's region gets the ARN as is.
 */
export class BedrockModelLookup {
  private readonly byArn = new Map<string, string>();
  private readonly bedrockByRegion = new Map<string, string>();
  private readonly firstBedrock?: string;

  constructor(config: GatewayConfig) {
    for (const model of config.models.values()) {
      for (const arn of model.arns) if (!this.byArn.has(arn)) this.byArn.set(arn, model.name);
    }
    let first: string | undefined;
    for (const p of config.providers.values()) {
      if (p.adapter.type !== 'bedrock') continue;
      const region = (p.config as { region?: string }).region;
      if (region && !this.bedrockByRegion.has(region)) this.bedrockByRegion.set(region, p.name);
      first ??= p.name;
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
