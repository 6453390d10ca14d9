import { RawDocument } from '../../canonical/raw-json.js';
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

/**
 * The same response as `JSON.stringify(renderRerank(result, version))`, byte for byte, with
 * raw documents copied back as their JSON text instead of being decoded and re-encoded.
 */
export function renderRerankJson(result: RerankResult, version: '1' | '2'): string {
  const rendered = renderRerank({ ...result, results: [] }, version);
  const head = JSON.stringify({ id: rendered.id, results: [] }).slice(0, -2);
  const rest = JSON.stringify(rendered).slice(head.length + 1);
  let results = '';
  for (let i = 0; i < result.results.length; i++) {
    const r = result.results[i];
    const d = r.document;
    const item =
      d instanceof RawDocument
        ? `{"index":${r.index},"relevance_score":${JSON.stringify(r.score)},"document":{"text":${d.raw.jsonString(d.rawIndex)}}}`
        : JSON.stringify(renderResult(r));
    results += i === 0 ? item : `,${item}`;
  }
  return `${head}${results}]${rest}`;
}
