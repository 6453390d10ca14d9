import type { ModelConfig, ProviderBaseConfig } from '../../config/schema.js';
import { resolveRoute, type Route, type RoutingTable } from '../../core/router.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { bareModelId, parseModelArn } from '../../providers/bedrock/model-ids.js';
import type { ProviderAdapter } from '../../providers/types.js';

/** Models and providers to resolve against: the config file's, or the control plane's current table. */
export interface RoutingSource {
  readonly models: ReadonlyMap<string, ModelConfig>;
  readonly providers: ReadonlyMap<string, { readonly config: ProviderBaseConfig; readonly adapter: ProviderAdapter }>;
}

/** The characters of Bedrock model ids, inference profile ids and ARNs. */
const BEDROCK_ID_RE = /^[A-Za-z0-9._:\/+-]{1,2048}$/;

/** Who answers a native Bedrock model id: an alias that claims it, or a Bedrock provider as is. */
type Match =
  | { readonly alias: ModelConfig; readonly provider?: undefined; readonly model?: undefined }
  | { readonly provider: string; readonly model: string };

/**
 * Which model answers a native Bedrock request's model id or ARN, for both native surfaces
 * (Agent Runtime rerank and the runtime's `/model/{modelId}/...`):
 * 1. an alias named so, or one whose `arns` lists the ARN or its bare model id;
 * 2. else the id as is on the Bedrock provider of the ARN's region (the first Bedrock
 *    provider for a bare id); an ARN in a region no Bedrock provider serves is not found.
 * Built once per routing table (the control plane swaps tables on change).
 */
export class BedrockModelLookup<S extends RoutingSource = RoutingSource> {
  private readonly byName = new Map<string, ModelConfig>();
  private readonly byArn = new Map<string, ModelConfig>();
  private readonly bedrockByRegion = new Map<string, string>();
  private readonly firstBedrock?: string;

  constructor(private readonly source: S) {
    for (const model of source.models.values()) {
      this.byName.set(model.name, model);
      for (const arn of model.arns) if (!this.byArn.has(arn)) this.byArn.set(arn, model);
    }
    let first: string | undefined;
    for (const [name, p] of source.providers) {
      if (p.adapter.type !== 'bedrock') continue;
      const region = (p.config as { region?: string }).region;
      if (region && !this.bedrockByRegion.has(region)) this.bedrockByRegion.set(region, name);
      first ??= name;
    }
    this.firstBedrock = first;
  }

  /** The model name the router resolves: an alias, or `provider/<the ARN as sent>`. */
  resolve(modelArn: string): string {
    const match = this.match(modelArn, 'modelArn', () => true);
    return 'alias' in match ? match.alias.name : `${match.provider}/${match.model}`;
  }

  /**
   * A one-target route for a request relayed to the provider as sent: the name is matched as
   * above (only aliases whose provider takes native passthrough can claim it), then routed by
   * the router like any other, its `passthrough` capability checked. A native caller names one
   * model, so the alias's fallbacks do not apply; the caller's allow-list applies to the name it
   * sent (or the alias) exactly as on other surfaces.
   */
  resolveRuntime(this: BedrockModelLookup<RoutingTable>, modelId: string): Route {
    const match = this.match(modelId, 'modelId', (alias) => this.relays(providerOf(alias.target)));
    const alias = 'alias' in match ? match.alias : undefined;
    const routed = resolveRoute(this.source, alias ? alias.name : `${match.provider}/${match.model}`, 'passthrough');
    return { requested: alias?.name ?? modelId, alias, targets: [routed.targets[0]] };
  }

  private match(modelId: string, param: string, accepts: (alias: ModelConfig) => boolean): Match {
    for (const alias of [this.byName.get(modelId), this.byArn.get(modelId), this.byArn.get(bareModelId(modelId))]) {
      if (alias && accepts(alias)) return { alias };
    }
    // Sent to AWS as is, so it must look like a Bedrock model id or ARN; AWS would refuse it anyway.
    if (!BEDROCK_ID_RE.test(modelId))
      throw invalidRequest(`'${modelId.slice(0, 200)}' is not a Bedrock model id or ARN, nor a configured model`, param);
    const arn = parseModelArn(modelId);
    const provider = arn ? this.bedrockByRegion.get(arn.region) : this.firstBedrock;
    if (provider) return { provider, model: modelId };
    throw new GatewayError(
      'model_not_found',
      `No configured model answers for ${param} '${modelId}': list it under a model's arns, or configure a bedrock provider for its region`,
      { param },
    );
  }

  private relays(provider: string): boolean {
    return this.source.providers.get(provider)?.adapter.capabilities?.passthrough !== undefined;
  }
}

const providerOf = (target: string): string => target.slice(0, target.indexOf('/'));

const lookups = new WeakMap<RoutingSource, BedrockModelLookup>();

/** The lookup of a routing table, built once per table (the control plane swaps tables on change). */
export function lookupOf<S extends RoutingSource>(table: S): BedrockModelLookup<S> {
  let lookup = lookups.get(table) as BedrockModelLookup<S> | undefined;
  if (!lookup) lookups.set(table, (lookup = new BedrockModelLookup(table)));
  return lookup;
}

/** The lookup of whatever table `routing` returns now. */
export const lookupFor =
  <S extends RoutingSource>(routing: () => S): (() => BedrockModelLookup<S>) =>
  () =>
    lookupOf(routing());
