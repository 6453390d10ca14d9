/**
 * Scores of (query, document) pairs already ranked by a target. Cross-encoders score each
 * pair on its own, so a stored score stands in for an upstream call.
 * Keys come from `pairKeys` (keys.ts); values are the upstream's scores.
 */
export interface PairCache {
  /** Scores for `keys` in order; undefined where a key is missing or expired. Never throws. */
  getMany(keys: readonly string[]): Promise<Array<number | undefined>>;
  /** Stores fresh scores; fire-and-forget, never throws. */
  setMany(keys: readonly string[], scores: readonly number[]): void;
  close(): Promise<void>;
}
