/**
 * Calibrated scores: a monotone map from one model's raw relevance score to the probability
 * that the document is relevant, fitted on an evaluation run (see `src/eval/calibration.ts`).
 * Two models with different score scales then speak the same language, so one `min_score`
 * threshold means the same on an alias's primary and its fallbacks.
 */

/**
 * A fitted calibration.
 * @example { method: 'isotonic', x: [0.1, 0.5, 0.9], y: [0, 0.4, 1] }
 * @example { method: 'platt', a: 3.2, b: -1.5 }
 */
export type Calibration =
  /** Piecewise linear through (x[i], y[i]); x increasing, y non-decreasing; clipped outside. */
  | { readonly method: 'isotonic'; readonly x: readonly number[]; readonly y: readonly number[] }
  /** 1 / (1 + exp(-(a·s + b))) with a >= 0. */
  | { readonly method: 'platt'; readonly a: number; readonly b: number };

/** The calibrated score of `score` (monotone non-decreasing in `score`). */
export function calibrateScore(c: Calibration, score: number): number {
  if (c.method === 'platt') return 1 / (1 + Math.exp(-(c.a * score + c.b)));
  const { x, y } = c;
  const n = x.length;
  if (n === 0) return 0;
  if (score <= x[0]) return y[0];
  if (score >= x[n - 1]) return y[n - 1];
  // Binary search for the segment holding the score.
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid] <= score) lo = mid;
    else hi = mid;
  }
  const span = x[hi] - x[lo];
  return span === 0 ? y[hi] : y[lo] + ((score - x[lo]) / span) * (y[hi] - y[lo]);
}

/** Calibrations by the `provider/model` label of the target they were fitted for; swapped whole. */
export class CalibrationTable {
  private byTarget: ReadonlyMap<string, Calibration> = new Map();

  replace(entries: Iterable<readonly [string, Calibration]>): void {
    this.byTarget = new Map(entries);
  }

  set(target: string, calibration: Calibration): void {
    const next = new Map(this.byTarget);
    next.set(target, calibration);
    this.byTarget = next;
  }

  get(target: string): Calibration | undefined {
    return this.byTarget.get(target);
  }
}
