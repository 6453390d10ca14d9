/**
 * Fitting score calibrations on an evaluation run's judgments: each (raw score, relevant?)
 * pair of a model's rankings. Isotonic regression by pool-adjacent-violators (monotone, no
 * shape assumed) or Platt scaling (a logistic curve, two parameters, smoother on little data).
 */
import type { Calibration } from '../core/rerank/calibrate.js';

/**
 * Isotonic regression of labels (0..1) on scores: the non-decreasing step function closest
 * in squared error, by pool-adjacent-violators. Each pooled block becomes two points (its
 * lowest and highest score at the block's mean), joined linearly to the next block.
 */
export function fitIsotonic(scores: readonly number[], labels: readonly number[]): Calibration {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Equal scores share one value: merge them first (their order is arbitrary).
  const blocks: Array<{ lo: number; hi: number; sum: number; n: number }> = [];
  for (const i of order) {
    const s = scores[i];
    const last = blocks[blocks.length - 1];
    if (last && last.hi === s) {
      last.sum += labels[i];
      last.n++;
    } else blocks.push({ lo: s, hi: s, sum: labels[i], n: 1 });
  }
  const pooled: typeof blocks = [];
  for (const b of blocks) {
    pooled.push({ ...b });
    // Pool while the previous block's mean is above this one's.
    while (pooled.length > 1) {
      const cur = pooled[pooled.length - 1];
      const prev = pooled[pooled.length - 2];
      if (prev.sum / prev.n <= cur.sum / cur.n) break;
      prev.hi = cur.hi;
      prev.sum += cur.sum;
      prev.n += cur.n;
      pooled.pop();
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (const b of pooled) {
    const mean = b.sum / b.n;
    x.push(b.lo);
    y.push(mean);
    if (b.hi !== b.lo) {
      x.push(b.hi);
      y.push(mean);
    }
  }
  return { method: 'isotonic', x, y };
}

/**
 * Platt scaling: logistic regression of labels on scores by Newton's method, with Platt's
 * smoothed targets ((n+ + 1)/(n+ + 2) and 1/(n- + 2)) so separable data does not diverge.
 * The slope is kept non-negative, so the map stays monotone.
 */
export function fitPlatt(scores: readonly number[], labels: readonly number[]): Calibration {
  const n = scores.length;
  const pos = labels.reduce((s, l) => s + (l > 0.5 ? 1 : 0), 0);
  const neg = n - pos;
  const hiT = (pos + 1) / (pos + 2);
  const loT = 1 / (neg + 2);
  const t = labels.map((l) => (l > 0.5 ? hiT : loT));
  let a = 0;
  let b = Math.log((pos + 1) / (neg + 1));
  for (let iter = 0; iter < 100; iter++) {
    let g0 = 0;
    let g1 = 0;
    let h00 = 1e-12;
    let h01 = 0;
    let h11 = 1e-12;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(a * scores[i] + b)));
      const d = p - t[i];
      const w = p * (1 - p);
      g0 += d * scores[i];
      g1 += d;
      h00 += w * scores[i] * scores[i];
      h01 += w * scores[i];
      h11 += w;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(Math.abs(det) > 0)) break;
    const da = (h11 * g0 - h01 * g1) / det;
    const db = (h00 * g1 - h01 * g0) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  if (!(a >= 0) || !Number.isFinite(b)) {
    // Scores that do not rise with relevance: a flat map at the base rate.
    return { method: 'platt', a: 0, b: Math.log((pos + 1) / (neg + 1)) };
  }
  return { method: 'platt', a, b };
}

export type CalibrationMethod = 'isotonic' | 'platt';

export function fitCalibration(method: CalibrationMethod, scores: readonly number[], labels: readonly number[]): Calibration {
  return method === 'platt' ? fitPlatt(scores, labels) : fitIsotonic(scores, labels);
}
