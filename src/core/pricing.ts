import type { PriceConfig } from '../config/schema.js';
import type { Usage } from '../canonical/usage.js';
import { PROVIDER_TYPES } from '../providers/registry.js';

/**
 * Default list prices (USD) by upstream model id, used when an alias sets no price.
 * Matching is by exact id, then by the id with any region/ARN prefix removed.
 */
const DEFAULT_PRICES: ReadonlyMap<string, PriceConfig> = new Map([
  ['rerank-v3.5', { per_1k_search_units: 2.0 }],
  ['rerank-english-v3.0', { per_1k_search_units: 2.0 }],
  ['rerank-multilingual-v3.0', { per_1k_search_units: 2.0 }],
  ['rerank-v4.0-pro', { per_1k_search_units: 2.5 }],
  ['rerank-v4.0-fast', { per_1k_search_units: 2.0 }],
  ['cohere-rerank-3-5', { per_1k_search_units: 2.0 }],
  ['amazon-rerank-1-0', { per_1k_search_units: 1.0 }],
  ['cohere.rerank-v3-5:0', { per_1k_search_units: 2.0 }],
  ['amazon.rerank-v1:0', { per_1k_search_units: 1.0 }],
  ['semantic-ranker-default@latest', { per_1k_queries: 1.0 }],
  ['semantic-ranker-512@latest', { per_1k_queries: 1.0 }],
  ['rerank-2.5', { per_1m_input_tokens: 0.05 }],
  ['rerank-2.5-lite', { per_1m_input_tokens: 0.02 }],
  ['jina-reranker-v2-base-multilingual', { per_1m_input_tokens: 0.02 }],
  // Bedrock chat models, on-demand list prices (cross-region profiles cost the same).
  ['anthropic.claude-sonnet-4-5-20250929-v1:0', { per_1m_input_tokens: 3, per_1m_output_tokens: 15 }],
  ['anthropic.claude-sonnet-4-20250514-v1:0', { per_1m_input_tokens: 3, per_1m_output_tokens: 15 }],
  ['anthropic.claude-haiku-4-5-20251001-v1:0', { per_1m_input_tokens: 1, per_1m_output_tokens: 5 }],
  ['anthropic.claude-opus-4-1-20250805-v1:0', { per_1m_input_tokens: 15, per_1m_output_tokens: 75 }],
  ['amazon.nova-premier-v1:0', { per_1m_input_tokens: 2.5, per_1m_output_tokens: 12.5 }],
  ['anthropic.claude-3-5-sonnet-20241022-v2:0', { per_1m_input_tokens: 3, per_1m_output_tokens: 15 }],
  ['anthropic.claude-3-5-sonnet-20240620-v1:0', { per_1m_input_tokens: 3, per_1m_output_tokens: 15 }],
  ['anthropic.claude-3-7-sonnet-20250219-v1:0', { per_1m_input_tokens: 3, per_1m_output_tokens: 15 }],
  ['anthropic.claude-3-5-haiku-20241022-v1:0', { per_1m_input_tokens: 0.8, per_1m_output_tokens: 4 }],
  ['anthropic.claude-3-haiku-20240307-v1:0', { per_1m_input_tokens: 0.25, per_1m_output_tokens: 1.25 }],
  ['amazon.nova-micro-v1:0', { per_1m_input_tokens: 0.035, per_1m_output_tokens: 0.14 }],
  ['amazon.nova-lite-v1:0', { per_1m_input_tokens: 0.06, per_1m_output_tokens: 0.24 }],
  ['amazon.nova-pro-v1:0', { per_1m_input_tokens: 0.8, per_1m_output_tokens: 3.2 }],
  ['meta.llama3-1-8b-instruct-v1:0', { per_1m_input_tokens: 0.22, per_1m_output_tokens: 0.22 }],
  ['meta.llama3-1-70b-instruct-v1:0', { per_1m_input_tokens: 0.72, per_1m_output_tokens: 0.72 }],
  ['meta.llama3-3-70b-instruct-v1:0', { per_1m_input_tokens: 0.72, per_1m_output_tokens: 0.72 }],
  ['mistral.mistral-7b-instruct-v0:2', { per_1m_input_tokens: 0.15, per_1m_output_tokens: 0.2 }],
  ['mistral.mistral-large-2402-v1:0', { per_1m_input_tokens: 4, per_1m_output_tokens: 12 }],
  // Bedrock image models, per image at standard quality up to 1024x1024 (set an alias price for premium or larger).
  ['amazon.nova-canvas-v1:0', { per_image: 0.04 }],
  ['amazon.titan-image-generator-v2:0', { per_image: 0.01 }],
  ['amazon.titan-image-generator-v1', { per_image: 0.01 }],
  ['stability.sd3-5-large-v1:0', { per_image: 0.08 }],
  ['stability.stable-image-ultra-v1:1', { per_image: 0.14 }],
  ['stability.stable-image-core-v1:1', { per_image: 0.04 }],
  // Bedrock video models, per second of video (Luma Ray 2 at 720p).
  ['amazon.nova-reel-v1:0', { per_video_second: 0.08 }],
  ['amazon.nova-reel-v1:1', { per_video_second: 0.08 }],
  ['luma.ray-v2:0', { per_video_second: 1.5 }],
  // Bedrock embeddings.
  ['amazon.titan-embed-text-v2:0', { per_1m_input_tokens: 0.02 }],
  ['cohere.embed-english-v3', { per_1m_input_tokens: 0.1 }],
  ['cohere.embed-multilingual-v3', { per_1m_input_tokens: 0.1 }],
]);

/** Other ids each provider type files its models' list prices under (it owns its id formats). */
const PRICE_IDS = [...PROVIDER_TYPES.values()].flatMap((p) => (p.priceIds ? [p.priceIds.bind(p)] : []));

/** The list price of an upstream model id: exact, then without any path prefix, then the ids providers map it to. */
export function defaultPrice(model: string): PriceConfig | undefined {
  const exact = DEFAULT_PRICES.get(model);
  if (exact) return exact;
  const bare = model.slice(model.lastIndexOf('/') + 1);
  const found = DEFAULT_PRICES.get(bare);
  if (found) return found;
  for (const ids of PRICE_IDS) for (const id of ids(bare)) if (DEFAULT_PRICES.has(id)) return DEFAULT_PRICES.get(id);
  return undefined;
}

export function costUsd(usage: Usage, price: PriceConfig | undefined): number {
  if (!price) return 0;
  return (
    (usage.searchUnits * (price.per_1k_search_units ?? 0)) / 1000 +
    (usage.queries * (price.per_1k_queries ?? 0)) / 1000 +
    (usage.inputTokens * (price.per_1m_input_tokens ?? 0)) / 1e6 +
    (usage.outputTokens * (price.per_1m_output_tokens ?? 0)) / 1e6 +
    (usage.images ?? 0) * (price.per_image ?? 0) +
    (usage.videoSeconds ?? 0) * (price.per_video_second ?? 0)
  );
}

/**
 * Models with a batch-inference list price: AWS bills Bedrock batch jobs at 50% of the
 * on-demand token price for these (Bedrock pricing page, "Batch" column; docs/bedrock-protocols.md §4.5).
 */
const BATCH_DISCOUNTED = new Set([
  'anthropic.claude-3-haiku-20240307-v1:0',
  'anthropic.claude-3-5-haiku-20241022-v1:0',
  'anthropic.claude-3-5-sonnet-20240620-v1:0',
  'anthropic.claude-3-5-sonnet-20241022-v2:0',
  'anthropic.claude-3-7-sonnet-20250219-v1:0',
  'anthropic.claude-sonnet-4-20250514-v1:0',
  'anthropic.claude-sonnet-4-5-20250929-v1:0',
  'anthropic.claude-haiku-4-5-20251001-v1:0',
  'anthropic.claude-opus-4-1-20250805-v1:0',
  'amazon.nova-micro-v1:0',
  'amazon.nova-lite-v1:0',
  'amazon.nova-pro-v1:0',
  'amazon.nova-premier-v1:0',
  'amazon.titan-embed-text-v2:0',
  'meta.llama3-1-8b-instruct-v1:0',
  'meta.llama3-1-70b-instruct-v1:0',
  'meta.llama3-3-70b-instruct-v1:0',
]);
const BATCH_FACTOR = 0.5;
// Cross-region inference profiles put a geography before the model id: `us.amazon.nova-lite-v1:0`.
const GEO_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;

/**
 * The token price of a batch job: the alias's own `batch_per_1m_*` prices, else the batch
 * list price of the upstream model (half its on-demand price), else none (unpriced).
 */
export function batchPrice(model: string, aliasPrice: PriceConfig | undefined): PriceConfig | undefined {
  if (aliasPrice?.batch_per_1m_input_tokens !== undefined || aliasPrice?.batch_per_1m_output_tokens !== undefined) {
    return { per_1m_input_tokens: aliasPrice.batch_per_1m_input_tokens, per_1m_output_tokens: aliasPrice.batch_per_1m_output_tokens };
  }
  const bare = model.slice(model.lastIndexOf('/') + 1).replace(GEO_PREFIX, '');
  const listed = BATCH_DISCOUNTED.has(bare) ? DEFAULT_PRICES.get(bare) : undefined;
  if (!listed) return undefined;
  return {
    per_1m_input_tokens: (listed.per_1m_input_tokens ?? 0) * BATCH_FACTOR,
    per_1m_output_tokens: (listed.per_1m_output_tokens ?? 0) * BATCH_FACTOR,
  };
}

/**
 * Aliases that would be billed $0: no `price` of their own and no list price for their
 * target (or a fallback of theirs). Rankway logs them once at start so a missing price is seen.
 */
export function unpricedAliases(
  models: Iterable<{ readonly name: string; readonly target: string; readonly price?: PriceConfig }>,
): string[] {
  const out: string[] = [];
  for (const m of models) {
    if (m.price) continue;
    const model = m.target.slice(m.target.indexOf('/') + 1);
    // The built-in local reranker costs nothing by design.
    if (m.target.startsWith('local/')) continue;
    if (!defaultPrice(model)) out.push(m.name);
  }
  return out;
}
