import { hashSeed, seededRandom } from './stats.js';
import type { EvalQuery, EvalSet } from './sets/types.js';

/**
 * How candidates are chosen for queries that bring none: every judged document of the query
 * plus `sample` other documents drawn from the corpus with a seed derived from the run seed
 * and the query id (so each query gets its own sample, the same on every run), or the whole
 * corpus when `sample` is 'all'.
 */
export interface CandidatePolicy {
  readonly sample: number | 'all';
  readonly seed: number;
}

export const DEFAULT_CANDIDATES: CandidatePolicy = { sample: 100, seed: 42 };

/** The document ids to rerank for one query, in a fixed order (judged first, then the sample). */
export function candidatesFor(
  set: EvalSet,
  query: EvalQuery,
  policy: CandidatePolicy,
  corpusIds: readonly string[] = [...set.documents.keys()],
): string[] {
  if (query.candidates) return query.candidates.filter((id) => set.documents.has(id));
  if (policy.sample === 'all') return [...corpusIds];
  const judged = Object.keys(query.judgments)
    .filter((id) => set.documents.has(id))
    .sort();
  const taken = new Set(judged);
  const pool = corpusIds.filter((id) => !taken.has(id));
  const want = Math.min(policy.sample, pool.length);
  // Partial Fisher–Yates: the first `want` entries become a uniform sample without replacement.
  const random = seededRandom(hashSeed(policy.seed, query.id));
  for (let i = 0; i < want; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return judged.concat(pool.slice(0, want));
}
