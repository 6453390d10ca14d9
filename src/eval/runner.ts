import { candidatesFor, DEFAULT_CANDIDATES, type CandidatePolicy } from './candidates.js';
import { compareModels, type Comparison } from './compare.js';
import { DEFAULT_CONVENTIONS, type Conventions } from './conventions.js';
import { flatten, meanOf, metricNames, orderRanking, queryMetrics, relevantCount, zeroMetrics } from './metrics.js';
import { percentile } from './stats.js';
import type { EvalSet } from './sets/types.js';

/** What one model returned for one query: a score per document (input order), and its cost. */
export interface RerankOutcome {
  /** `undefined` for a document the model did not return (it is then not ranked). */
  readonly scores: ReadonlyArray<number | undefined>;
  readonly costUsd: number;
}

/** Reranks documents for a query with a model; throws when the call failed. */
export type EvalReranker = (model: string, query: string, documents: readonly string[]) => Promise<RerankOutcome>;

export interface EvalRunOptions {
  readonly set: EvalSet;
  readonly models: readonly string[];
  readonly ks: readonly number[];
  readonly reranker: EvalReranker;
  /** Calls in flight at once across all models. */
  readonly concurrency?: number;
  readonly candidates?: CandidatePolicy;
  readonly conventions?: Conventions;
  /** Model every other is compared with (the first one by default). */
  readonly baseline?: string;
  /** Seed of the bootstrap intervals. */
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface QueryResult {
  readonly query: string;
  /** Figures by metric name; all 0 when the call failed. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly latency_ms: number;
  readonly cost_usd: number;
  readonly error?: string;
}

export interface ModelResult {
  readonly model: string;
  /** Means over the counted queries. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly queries: number;
  readonly errors: number;
  readonly latency_ms: { readonly p50: number; readonly p95: number };
  readonly cost_usd: number;
  readonly per_query: readonly QueryResult[];
  /**
   * Every score the model gave, with 1 where the document is relevant (grade >=
   * relevant_grade; unjudged = 0): what a score calibration is fitted on.
   */
  readonly score_labels: { readonly scores: readonly number[]; readonly relevant: readonly number[] };
}

/** A finished evaluation: everything needed to read (or re-check) its figures. */
export interface EvalReport {
  readonly set: string;
  readonly ks: readonly number[];
  readonly metrics: readonly string[];
  readonly conventions: Conventions;
  readonly candidates: CandidatePolicy;
  readonly queries: number;
  readonly skipped_queries: number;
  readonly models: readonly ModelResult[];
  readonly comparisons: readonly Comparison[];
}

/**
 * Reranks every counted query of the set with every model (bounded concurrency) and scores
 * the rankings. Queries without a relevant document are skipped or scored 0, as the
 * conventions say; a failed call scores 0 and is counted as an error.
 */
export async function runEvaluation(options: EvalRunOptions): Promise<EvalReport> {
  const { set, models, reranker } = options;
  const ks = [...new Set(options.ks)].sort((a, b) => a - b);
  const conventions = options.conventions ?? DEFAULT_CONVENTIONS;
  const policy = options.candidates ?? DEFAULT_CANDIDATES;
  const names = metricNames(ks);
  const corpusIds = [...set.documents.keys()];
  const queries = set.queries.filter((q) => conventions.queries_without_relevant === 'zero' || relevantCount(q.judgments, conventions) > 0);
  const candidates = queries.map((q) => candidatesFor(set, q, policy, corpusIds));
  const texts = candidates.map((ids) => ids.map((id) => set.documents.get(id)!));

  const total = models.length * queries.length;
  const results: QueryResult[][] = models.map(() => new Array<QueryResult>(queries.length));
  const labelled = models.map(() => ({ scores: [] as number[], relevant: [] as number[] }));
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const job = next++;
      if (job >= total) return;
      const m = Math.floor(job / queries.length);
      const qi = job % queries.length;
      const query = queries[qi];
      const started = performance.now();
      let row: QueryResult;
      try {
        const outcome = await reranker(models[m], query.text, texts[qi]);
        const latency = performance.now() - started;
        const scored: { id: string; score: number }[] = [];
        candidates[qi].forEach((id, i) => {
          const s = outcome.scores[i];
          if (s !== undefined && Number.isFinite(s)) scored.push({ id, score: s });
        });
        for (const { id, score } of scored) {
          labelled[m].scores.push(score);
          labelled[m].relevant.push((query.judgments[id] ?? 0) >= conventions.relevant_grade ? 1 : 0);
        }
        const metrics = flatten(queryMetrics(orderRanking(scored), query.judgments, ks, conventions), ks);
        row = { query: query.id, metrics, latency_ms: latency, cost_usd: outcome.costUsd };
      } catch (err) {
        row = {
          query: query.id,
          metrics: flatten(zeroMetrics(ks), ks),
          latency_ms: performance.now() - started,
          cost_usd: 0,
          error: (err as Error).message,
        };
      }
      results[m][qi] = row;
      done++;
      options.onProgress?.(done, total);
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? 4, total));
  await Promise.all(Array.from({ length: width }, worker));

  const modelResults: ModelResult[] = models.map((model, m) => {
    const rows = results[m];
    const ok = rows.filter((r) => r.error === undefined);
    return {
      model,
      metrics: meanOf(
        rows.map((r) => r.metrics),
        names,
      ),
      queries: rows.length,
      errors: rows.length - ok.length,
      latency_ms: {
        p50: percentile(
          ok.map((r) => r.latency_ms),
          50,
        ),
        p95: percentile(
          ok.map((r) => r.latency_ms),
          95,
        ),
      },
      cost_usd: rows.reduce((s, r) => s + r.cost_usd, 0),
      per_query: rows,
      score_labels: labelled[m],
    };
  });
  const baseline = options.baseline ?? models[0];
  const base = modelResults.find((r) => r.model === baseline);
  const comparisons = base ? modelResults.filter((r) => r !== base).map((r) => compareModels(base, r, names, options.seed ?? 1)) : [];
  return {
    set: set.name,
    ks,
    metrics: names,
    conventions,
    candidates: policy,
    queries: queries.length,
    skipped_queries: set.queries.length - queries.length,
    models: modelResults,
    comparisons,
  };
}
