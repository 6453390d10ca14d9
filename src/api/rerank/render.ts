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
  if (result.calibrated !== undefined) extra.calibrated = result.calibrated;
  if (result.arm !== undefined) extra.arm = result.arm;
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
  const out: Record<string, unknown> = { index: r.index, relevance_score: r.score };
  // Calibrated aliases keep the model's own score next to the calibrated one.
  if (r.rawScore !== undefined) out.raw_relevance_score = r.rawScore;
  if (!r.document) return out;
  const d = r.document;
  out.document = typeof d.source === 'string' ? { text: d.text } : { ...d.source, text: d.text };
  return out;
}
