import type { RawSelection, RawStrings } from './raw-json.js';
import type { Usage } from './usage.js';

/**
 * A document as the caller sent it. `text` is what gets ranked; for object documents
 * without `text` it is built from `rank_fields`. `source` keeps the caller's original
 * value so dialects can echo it exactly (Cohere v1 keeps extra keys).
 */
export interface RerankDocument {
  readonly text: string;
  readonly id?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
  readonly source: string | Readonly<Record<string, unknown>>;
  /**
   * Set when the caller sent a structured JSON document to be ranked as a whole (Bedrock JSON
   * sources, or the `rank_fields` of an object): rerankers that accept JSON get it, the
   * others rank `text`.
   */
  readonly json?: Readonly<Record<string, unknown>>;
}

/**
 * The canonical rerank request every surface parses into.
 * @example { model: 'cohere/rerank-v3.5', query: 'q', documents: [...], returnDocuments: false }
 */
export interface RerankRequest {
  readonly model: string;
  readonly query: string;
  readonly documents: readonly RerankDocument[];
  readonly topN?: number;
  readonly returnDocuments: boolean;
  readonly maxTokensPerDoc?: number;
  readonly priority?: number;
  readonly fallbacks?: readonly string[];
  /** false opts this request out of the pair cache. */
  readonly cache?: boolean;
  /** Model-specific fields passed to providers that accept them (Bedrock additionalModelRequestFields). */
  readonly extra?: Readonly<Record<string, unknown>>;
  /**
   * Set when every document arrived as a JSON string and is carried as its original bytes
   * (`documents[i]` is then document `i` of `raw`): providers that send texts unchanged splice them.
   */
  readonly raw?: RawStrings;
}

/** One upstream call: a slice of the caller's documents sent to one target. */
export interface RerankCall {
  readonly query: string;
  readonly documents: readonly RerankDocument[];
  /** Already clamped to the slice length. */
  readonly topN: number;
  readonly maxTokensPerDoc?: number;
  readonly priority?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
  /** The same documents as raw JSON, when core can send them unchanged (no truncation in the gateway). */
  readonly rawDocuments?: RawSelection;
}

/** A score for a position inside one call's slice. */
export interface ScoredIndex {
  index: number;
  score: number;
}

export interface RerankCallResult {
  readonly scores: ScoredIndex[];
  readonly usage: Partial<Usage>;
}

export interface RankedDocument {
  /** The caller's original position. */
  readonly index: number;
  readonly score: number;
  /** The model's own score when `score` is calibrated. */
  readonly rawScore?: number;
  readonly document?: RerankDocument;
}

/** The canonical answer every surface renders. */
export interface RerankResult {
  readonly id: string;
  readonly results: readonly RankedDocument[];
  /** The model name as the caller asked for it. */
  readonly modelRequested: string;
  /** `provider/model` that served the request. */
  readonly modelUsed: string;
  readonly provider: string;
  readonly usage: Usage;
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly chunks: number;
  readonly attempts: number;
  /** Position in the fallback list of the target that served (0 = primary). */
  readonly fallbackIndex: number;
  readonly cache?: { readonly hits: number; readonly misses: number };
  readonly degraded?: boolean;
  /** Whether scores are calibrated: set on aliases with `calibrate` or `min_score` (false: no calibration for the model that served). */
  readonly calibrated?: boolean;
  /** The traffic-split arm that served the request. */
  readonly arm?: string;
}
