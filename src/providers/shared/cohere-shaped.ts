import { spliceAround } from '../../canonical/raw-json.js';
import type { RerankCall, RerankCallResult } from '../../canonical/rerank.js';
import type { HttpCall, HttpRerankCapability, Target, UpstreamReply } from '../types.js';
import { badResponse } from './errors.js';
import { parseJsonBody, readScoredList, texts } from './json.js';

type Fields = Record<string, unknown>;

/**
 * What sets one Cohere-shaped rerank API apart from the others: a body of
 * `{...head, <documents key>: [texts], ...tail}` sent to `path`, and an answer read by `read`.
 * @example cohereShapedRerank({ name: 'jina', path: '/v1/rerank', tail: (c) => ({ top_n: c.topN }) })
 */
export interface CohereShapedSpec {
  /** Provider name in error details. */
  readonly name: string;
  readonly path: string;
  /** Paths tried in order when `path` answers 404/405/501. */
  readonly alternativePaths?: readonly string[];
  /** true when the upstream truncates long documents itself given `max_tokens_per_doc`. */
  readonly nativeMaxTokensPerDoc?: boolean;
  /** Fields before the documents; default `{model, query}`. */
  readonly head?: (call: RerankCall, target: Target) => Fields;
  /** The documents' key; default `documents`. */
  readonly documentsKey?: string;
  /** Fields after the documents. */
  readonly tail: (call: RerankCall, target: Target) => Fields;
  /** Scores and usage from the answer; default Cohere's (`results[].relevance_score`, `meta`/`usage`). */
  readonly read?: (reply: UpstreamReply, call: RerankCall, name: string) => RerankCallResult;
}

const modelAndQuery = (call: RerankCall, target: Target): Fields => ({ model: target.model, query: call.query });

/**
 * A rerank translator for an API that takes documents as plain strings. When core carries
 * the documents as raw JSON (`call.rawDocuments`), the body is spliced around their bytes
 * instead of built and serialised: the same bytes, without decoding or re-encoding the texts.
 * Each call builds fresh objects; nothing shared is mutated.
 */
export function cohereShapedRerank(spec: CohereShapedSpec): HttpRerankCapability {
  const head = spec.head ?? modelAndQuery;
  const key = spec.documentsKey ?? 'documents';
  const read = spec.read ?? readCohereShaped;
  const { name, path, alternativePaths } = spec;
  return {
    kind: 'http',
    nativeMaxTokensPerDoc: spec.nativeMaxTokensPerDoc ?? false,
    build(call: RerankCall, target: Target): HttpCall {
      const before = head(call, target);
      const after = spec.tail(call, target);
      const body = call.rawDocuments
        ? spliceAround(before, key, after, call.rawDocuments)
        : { ...before, [key]: texts(call.documents), ...after };
      return alternativePaths ? { method: 'POST', path, alternativePaths, body } : { method: 'POST', path, body };
    },
    parse: (reply: UpstreamReply, call: RerankCall): RerankCallResult => read(reply, call, name),
  };
}

/** Cohere's response shape, also spoken by Heroku, Azure, Jina, vLLM and Cohere-compatible servers. */
export function readCohereShaped(reply: UpstreamReply, call: RerankCall, provider: string): RerankCallResult {
  const json = parseJsonBody(reply.body, provider) as Record<string, unknown> | null;
  if (json === null || typeof json !== 'object') throw badResponse(`${provider}: body is not an object`);
  const scores = readScoredList(json.results, 'relevance_score', call.documents.length, provider);
  const meta = json.meta as { billed_units?: { search_units?: number }; tokens?: { input_tokens?: number } } | undefined;
  const usage = json.usage as { prompt_tokens?: number; total_tokens?: number } | undefined;
  return {
    scores,
    usage: {
      searchUnits: numberOr(meta?.billed_units?.search_units, 0),
      inputTokens: numberOr(meta?.tokens?.input_tokens ?? usage?.prompt_tokens ?? usage?.total_tokens, 0),
    },
  };
}

const numberOr = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
