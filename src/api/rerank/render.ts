import { RawDocument } from '../../canonical/raw-json.js';
import type { RankedDocument, RerankResult } from '../../canonical/rerank.js';

export interface RenderOptions {
  /**
   * The unified API's `model`, as DeepIntShield documents it: the upstream model id that
   * answered (`rerank-v3.5` for `cohere/rerank-v3.5` or an alias of it), with the name the
   * caller sent in `extra_fields.model_requested`, plus `extra_fields.chunk_index`. Without
   * it (Cohere's own API under /cohere) `model` stays the name the caller sent.
   */
  readonly upstreamModel?: boolean;
}

/** The unified (Cohere-compatible) response; `version` is Cohere's meta.api_version. */
export function renderRerank(result: RerankResult, version: '1' | '2', options: RenderOptions = {}): Record<string, unknown> {
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
  // DeepIntShield's position of this message in a streamed answer: a rerank answer is one
  // message however many upstream calls (`chunks`) were merged into it, so always 0.
  if (options.upstreamModel) extra.chunk_index = 0;
  if (result.fallbackIndex > 0) extra.fallback_index = result.fallbackIndex;
  if (result.cache) extra.cache = result.cache;
  if (result.degraded) extra.degraded = true;
  if (result.calibrated !== undefined) extra.calibrated = result.calibrated;
  if (result.arm !== undefined) extra.arm = result.arm;
  return {
    id: result.id,
    results: result.results.map(renderResult),
    model: options.upstreamModel ? upstreamModelId(result) : result.modelRequested,
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

/** `rerank-v3.5` from `cohere/rerank-v3.5`; a degraded answer had no upstream, so it keeps the requested name. */
function upstreamModelId(result: RerankResult): string {
  if (result.degraded) return result.modelRequested;
  const prefix = `${result.provider}/`;
  return result.modelUsed.startsWith(prefix) ? result.modelUsed.slice(prefix.length) : result.modelUsed;
}

/**
 * The same response as `JSON.stringify(renderRerank(result, version))`, byte for byte, with
 * raw documents copied back as their JSON text instead of being decoded and re-encoded.
 */
export function renderRerankJson(result: RerankResult, version: '1' | '2', options: RenderOptions = {}): string {
  const rendered = renderRerank({ ...result, results: [] }, version, options);
  const head = JSON.stringify({ id: rendered.id, results: [] }).slice(0, -2);
  const rest = JSON.stringify(rendered).slice(head.length + 1);
  let results = '';
  for (let i = 0; i < result.results.length; i++) {
    const r = result.results[i];
    const d = r.document;
    const item =
      d instanceof RawDocument
        ? `{"index":${r.index},"relevance_score":${JSON.stringify(r.score)},${r.rawScore === undefined ? '' : `"raw_relevance_score":${JSON.stringify(r.rawScore)},`}"document":{"text":${d.raw.jsonString(d.rawIndex)}}}`
        : JSON.stringify(renderResult(r));
    results += i === 0 ? item : `,${item}`;
  }
  return `${head}${results}]${rest}`;
}
