/**
 * How an evaluation turns rankings and judgments into figures. Stored with every result, so
 * two runs are only compared when they were scored the same way (trec_eval states the same
 * choices in its documentation; these defaults follow it).
 *
 * @example { gain: 'linear', ideal: 'all_judgments', unjudged: 'non_relevant', ties: 'doc_id_desc',
 *            relevant_grade: 1, queries_without_relevant: 'skip', failed_queries: 'zero', judged_denominator: 'k' }
 */
export interface Conventions {
  /** DCG gain of a grade g: `linear` = g, `exponential` = 2^g - 1. */
  readonly gain: 'linear' | 'exponential';
  /** The ideal DCG comes from every judgment of the query, not only the documents returned. */
  readonly ideal: 'all_judgments';
  /** Documents without a judgment count as grade 0. */
  readonly unjudged: 'non_relevant';
  /**
   * Equal scores are ordered by document id, descending by code unit (trec_eval's order),
   * so a ranking with ties always gives the same figures whatever order the model returned.
   */
  readonly ties: 'doc_id_desc';
  /** Smallest grade that counts as relevant for MAP, MRR and Recall (trec_eval's relevance level). */
  readonly relevant_grade: number;
  /** A query with no relevant document: left out of the means (`skip`) or scored 0 (`zero`). */
  readonly queries_without_relevant: 'skip' | 'zero';
  /** A query the model failed on scores 0 on every metric (it still counts in the means). */
  readonly failed_queries: 'zero';
  /** Judged@k divides by k even when fewer than k documents were returned. */
  readonly judged_denominator: 'k';
}

export const DEFAULT_CONVENTIONS: Conventions = {
  gain: 'linear',
  ideal: 'all_judgments',
  unjudged: 'non_relevant',
  ties: 'doc_id_desc',
  relevant_grade: 1,
  queries_without_relevant: 'skip',
  failed_queries: 'zero',
  judged_denominator: 'k',
};

/** Conventions from a caller's partial choice; unknown values are rejected by the callers' schemas. */
export function conventionsOf(
  choice: Partial<Pick<Conventions, 'gain' | 'relevant_grade' | 'queries_without_relevant'>> = {},
): Conventions {
  return { ...DEFAULT_CONVENTIONS, ...choice };
}
