import type { RankedDocument, RerankResult } from '../../canonical/rerank.js';

/** The unified (Cohere-compatible) response; `version` is Cohere's meta.api_version. */
export function renderRerank(result: RerankResult, version: '1' | '2'): Record<string, unknown> {
  const u = result.usage;
  const usage: Record<string, number> = {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
  };
  if (u.searchUnits > 0) usage.search_units = u.searchUnits;
  const extra: Record<string, unknown> = {
    request_type: 'rerank',
    provider: result.provider,
    model_requested: result.modelRequested,
    model_used: result.modelUsed,
    latency: Math.round(result.latencyMs * 1000) / 1000,
    chunks: result.chunks,
    attempts: result.attempts,
  };
  if (result.fallbackIndex > 0) extra.fallback_index = result.fallbackIndex;
  if (result.cache) extra.cache = result.cache;
  if (result.degraded) extra.degraded = true;
  return {
    id: result.id,
    results: result.results.map(renderResult),
    model: result.modelRequested,
    usage,
    meta: { api_version: { version }, billed_units: { search_units: u.searchUnits } },
    extra_fields: extra,
  };
}

function renderResult(r: RankedDocument): Record<string, unknown> {
  if (!r.document) return { index: r.index, relevance_score: r.score };
  const d = r.document;
  const document = typeof d.source === 'string' ? { text: d.text } : { ...d.source, text: d.text };
  return { index: r.index, relevance_score: r.score, document };
}
