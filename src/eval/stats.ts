/**
 * Paired comparison of two models over the same queries: mean difference, a seeded paired
 * bootstrap interval and an exact two-sided sign test.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same interval on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, for per-item seeds derived from one run seed. */
export function hashSeed(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface BootstrapInterval {
  readonly mean: number;
  readonly low: number;
  readonly high: number;
}

/**
 * Percentile bootstrap of the mean of paired differences: `samples` resamples of the queries
 * with replacement; the interval holds the central `level` of the resampled means.
 */
export function pairedBootstrap(
  diffs: readonly number[],
  options: { samples?: number; seed?: number; level?: number } = {},
): BootstrapInterval {
  const n = diffs.length;
  const mean = n > 0 ? diffs.reduce((s, d) => s + d, 0) / n : 0;
  if (n === 0) return { mean: 0, low: 0, high: 0 };
  const samples = options.samples ?? 10_000;
  const level = options.level ?? 0.95;
  const random = seededRandom(options.seed ?? 1);
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diffs[Math.floor(random() * n)];
    means[s] = sum / n;
  }
  means.sort();
  const tail = (1 - level) / 2;
  return { mean, low: quantileSorted(means, tail), high: quantileSorted(means, 1 - tail) };
}

/** Linear-interpolated quantile of sorted values (type 7, as R and NumPy default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface SignTest {
  readonly wins: number;
  readonly losses: number;
  readonly ties: number;
  /** Exact two-sided binomial p-value with ties dropped (1 when every pair ties). */
  readonly p: number;
}

/** Exact two-sided sign test of paired differences (positive = the candidate is better). */
export function signTest(diffs: readonly number[], epsilon = 1e-12): SignTest {
  let wins = 0;
  let losses = 0;
  for (const d of diffs) {
    if (d > epsilon) wins++;
    else if (d < -epsilon) losses++;
  }
  const ties = diffs.length - wins - losses;
  const n = wins + losses;
  if (n === 0) return { wins, losses, ties, p: 1 };
  const k = Math.min(wins, losses);
  // P(X <= k) for X ~ Binomial(n, 1/2), summed in log space so large n does not underflow.
  let logC = 0; // log C(n, 0)
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return { wins, losses, ties, p: Math.min(1, 2 * tail) };
}

/** Percentile of unsorted values (type 7), NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return quantileSorted(sorted, p / 100);
}
