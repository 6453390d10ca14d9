import type { Conventions } from './conventions.js';

/** Judgments of one query: document id -> grade (0 = judged non-relevant). */
export type Judgments = Readonly<Record<string, number>>;

/** One query's figures; `ndcg`, `recall` and `judged` are keyed by cut-off k. */
export interface QueryMetrics {
  readonly ndcg: Readonly<Record<number, number>>;
  readonly recall: Readonly<Record<number, number>>;
  readonly judged: Readonly<Record<number, number>>;
  readonly ap: number;
  readonly rr: number;
}

/** Metric names as they appear in tables and stored results (`ndcg@10`, `map`, ...). */
export function metricNames(ks: readonly number[]): string[] {
  return [...ks.map((k) => `ndcg@${k}`), 'map', 'mrr', ...ks.map((k) => `recall@${k}`), ...ks.map((k) => `judged@${k}`)];
}

/** A flat `name -> value` view of one query's figures, named as `metricNames` names them. */
export function flatten(m: QueryMetrics, ks: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of ks) out[`ndcg@${k}`] = m.ndcg[k];
  out.map = m.ap;
  out.mrr = m.rr;
  for (const k of ks) out[`recall@${k}`] = m.recall[k];
  for (const k of ks) out[`judged@${k}`] = m.judged[k];
  return out;
}

/**
 * Orders scored documents as the conventions say: score descending, equal scores by document
 * id descending (code units, as C's strcmp), so the result does not depend on input order.
 */
export function orderRanking(scored: ReadonlyArray<{ readonly id: string; readonly score: number }>): string[] {
  return [...scored].sort((a, b) => (b.score !== a.score ? b.score - a.score : a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).map((d) => d.id);
}

function gainOf(grade: number, conventions: Conventions): number {
  if (grade <= 0) return 0;
  return conventions.gain === 'exponential' ? 2 ** grade - 1 : grade;
}

/** Number of documents whose grade makes them relevant under the conventions. */
export function relevantCount(judgments: Judgments, conventions: Conventions): number {
  let n = 0;
  for (const id in judgments) if (judgments[id] >= conventions.relevant_grade) n++;
  return n;
}

/**
 * Every figure of one query from its ranking (best first, already ordered) and judgments.
 * The ideal DCG is built from all the query's judgments, so returning a short list never
 * raises nDCG; unjudged documents have grade 0.
 */
export function queryMetrics(
  ranking: readonly string[],
  judgments: Judgments,
  ks: readonly number[],
  conventions: Conventions,
): QueryMetrics {
  const threshold = conventions.relevant_grade;
  const totalRelevant = relevantCount(judgments, conventions);
  const idealGains = Object.values(judgments)
    .map((g) => gainOf(g, conventions))
    .filter((g) => g > 0)
    .sort((a, b) => b - a);

  const maxK = Math.max(0, ...ks);
  const depth = ranking.length;
  // Prefix sums over the ranking: DCG, relevant found, judged found, by position.
  const dcg = new Float64Array(depth + 1);
  const found = new Uint32Array(depth + 1);
  const judgedFound = new Uint32Array(depth + 1);
  let apSum = 0;
  let rr = 0;
  for (let i = 0; i < depth; i++) {
    const grade = judgments[ranking[i]];
    const isJudged = grade !== undefined;
    const g = isJudged ? grade : 0;
    dcg[i + 1] = dcg[i] + gainOf(g, conventions) / Math.log2(i + 2);
    const relevant = g >= threshold && isJudged;
    found[i + 1] = found[i] + (relevant ? 1 : 0);
    judgedFound[i + 1] = judgedFound[i] + (isJudged ? 1 : 0);
    if (relevant) {
      apSum += found[i + 1] / (i + 1);
      if (rr === 0) rr = 1 / (i + 1);
    }
  }
  const idealDcg = new Float64Array(Math.max(maxK, 0) + 1);
  for (let i = 0; i < maxK; i++) idealDcg[i + 1] = idealDcg[i] + (i < idealGains.length ? idealGains[i] / Math.log2(i + 2) : 0);

  const ndcg: Record<number, number> = {};
  const recall: Record<number, number> = {};
  const judged: Record<number, number> = {};
  for (const k of ks) {
    const at = Math.min(k, depth);
    ndcg[k] = idealDcg[k] > 0 ? dcg[at] / idealDcg[k] : 0;
    recall[k] = totalRelevant > 0 ? found[at] / totalRelevant : 0;
    judged[k] = k > 0 ? judgedFound[at] / k : 0;
  }
  return { ndcg, recall, judged, ap: totalRelevant > 0 ? apSum / totalRelevant : 0, rr };
}

/** Figures of a query that failed: 0 everywhere (`failed_queries: zero`). */
export function zeroMetrics(ks: readonly number[]): QueryMetrics {
  const zeros = Object.fromEntries(ks.map((k) => [k, 0]));
  return { ndcg: zeros, recall: zeros, judged: zeros, ap: 0, rr: 0 };
}

/** Arithmetic mean of each named figure over the given rows (0 for no rows). */
export function meanOf(rows: ReadonlyArray<Readonly<Record<string, number>>>, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    let sum = 0;
    for (const r of rows) sum += r[name];
    out[name] = rows.length > 0 ? sum / rows.length : 0;
  }
  return out;
}
