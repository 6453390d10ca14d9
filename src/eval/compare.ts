import { pairedBootstrap, signTest } from './stats.js';

/** Per-query figures of one model, in the same query order for every model of a run. */
interface Scored {
  readonly model: string;
  readonly per_query: ReadonlyArray<{ readonly query: string; readonly metrics: Readonly<Record<string, number>> }>;
}

export interface MetricComparison {
  /** Mean of candidate - baseline over the paired queries. */
  readonly diff: number;
  /** Paired bootstrap 95% interval of `diff` (10,000 resamples, seeded). */
  readonly low: number;
  readonly high: number;
  /** Exact two-sided sign-test p-value (ties dropped). */
  readonly p: number;
  readonly wins: number;
  readonly losses: number;
  readonly ties: number;
}

export interface Comparison {
  readonly baseline: string;
  readonly model: string;
  readonly metrics: Readonly<Record<string, MetricComparison>>;
}

/** Paired comparison of `candidate` against `baseline`, query by query, for every metric. */
export function compareModels(baseline: Scored, candidate: Scored, names: readonly string[], seed: number): Comparison {
  const byQuery = new Map(baseline.per_query.map((r) => [r.query, r.metrics]));
  const pairs = candidate.per_query.filter((r) => byQuery.has(r.query));
  const metrics: Record<string, MetricComparison> = {};
  for (const name of names) {
    const diffs = pairs.map((r) => r.metrics[name] - byQuery.get(r.query)![name]);
    const interval = pairedBootstrap(diffs, { seed });
    const sign = signTest(diffs);
    metrics[name] = {
      diff: interval.mean,
      low: interval.low,
      high: interval.high,
      p: sign.p,
      wins: sign.wins,
      losses: sign.losses,
      ties: sign.ties,
    };
  }
  return { baseline: baseline.model, model: candidate.model, metrics };
}
