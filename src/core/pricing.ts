import type { PriceConfig } from '../config/schema.js';
import type { Usage } from '../canonical/usage.js';

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
]);

export function defaultPrice(model: string): PriceConfig | undefined {
  const exact = DEFAULT_PRICES.get(model);
  if (exact) return exact;
  const bare = model.slice(model.lastIndexOf('/') + 1);
  return DEFAULT_PRICES.get(bare);
}

export function costUsd(usage: Usage, price: PriceConfig | undefined): number {
  if (!price) return 0;
  return (
    (usage.searchUnits * (price.per_1k_search_units ?? 0)) / 1000 +
    (usage.queries * (price.per_1k_queries ?? 0)) / 1000 +
    (usage.inputTokens * (price.per_1m_input_tokens ?? 0)) / 1e6 +
    (usage.outputTokens * (price.per_1m_output_tokens ?? 0)) / 1e6
  );
}
