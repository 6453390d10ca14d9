/**
 * How far two rankings of the same request agree (a served model and its shadow): overlap
 * and Jaccard of the top k, rank-biased overlap with its bounds, Kendall's tau-b over the
 * documents both scored, and whether the top document is the same.
 */

/** A document's position-independent id (its index in the request) and its score. */
export interface Scored {
  readonly id: number | string;
  readonly score: number;
}

export interface RboBounds {
  /** Lower bound: no further agreement below depth k (Webber et al. 2010, eq. 11). */
  readonly min: number;
  /** Upper bound: every further item agrees as much as it still can. */
  readonly max: number;
  /** Point estimate extrapolated from depth k (eq. 32, lists of equal depth). */
  readonly ext: number;
}

/** |top-k of a ∩ top-k of b| / k. */
export function overlapAt(a: readonly (number | string)[], b: readonly (number | string)[], k: number): number {
  if (k <= 0) return 0;
  const top = new Set(a.slice(0, k));
  let shared = 0;
  for (const id of b.slice(0, k)) if (top.has(id)) shared++;
  return shared / k;
}

/** |A ∩ B| / |A ∪ B| of the two top-k sets (1 when both are empty). */
export function jaccardAt(a: readonly (number | string)[], b: readonly (number | string)[], k: number): number {
  const sa = new Set(a.slice(0, k));
  const sb = new Set(b.slice(0, k));
  let shared = 0;
  for (const id of sb) if (sa.has(id)) shared++;
  const union = sa.size + sb.size - shared;
  return union === 0 ? 1 : shared / union;
}

/**
 * Rank-biased overlap of two rankings evaluated to depth k = the shorter list's length
 * (both are prefixes of indefinite rankings), persistence p. Identical prefixes give
 * ext = 1; disjoint ones 0, with `max` saying how much the unseen tail could still add.
 */
export function rbo(a: readonly (number | string)[], b: readonly (number | string)[], p = 0.9): RboBounds {
  const k = Math.min(a.length, b.length);
  if (k === 0) return { min: 0, max: 1, ext: 0 };
  const seenA = new Set<number | string>();
  const seenB = new Set<number | string>();
  let x = 0; // X_d: overlap at depth d
  let sumAgreement = 0; // Σ_{d<=k} X_d / d · p^d
  let sumDeficit = 0; // Σ_{d<=k} p^d / d
  let pd = 1;
  const overlaps: number[] = [];
  for (let d = 1; d <= k; d++) {
    const ia = a[d - 1];
    const ib = b[d - 1];
    if (ia === ib) x++;
    else {
      if (seenB.has(ia)) x++;
      if (seenA.has(ib)) x++;
    }
    seenA.add(ia);
    seenB.add(ib);
    pd *= p;
    overlaps.push(x);
    sumAgreement += (x / d) * pd;
    sumDeficit += pd / d;
  }
  const xk = x;
  const scale = (1 - p) / p;
  // eq. 11: (1-p)/p · (Σ (X_d - X_k) p^d / d - X_k ln(1 - p))
  const min = scale * (sumAgreement - xk * sumDeficit - xk * Math.log(1 - p));
  const ext = (xk / k) * pd + scale * sumAgreement;
  // Upper bound: beyond k each list's new item can match one already seen in the other, so
  // X_d <= min(d, X_k + 2(d - k)); agreement reaches 1 at depth 2k - X_k, then stays there.
  let max = scale * sumAgreement;
  const full = 2 * k - xk;
  let w = pd; // p^d for d = k
  for (let d = k + 1; d < full; d++) {
    w *= p;
    max += scale * ((xk + 2 * (d - k)) / d) * w;
  }
  // Tail from depth max(full, k+1) on, agreement 1: (1-p)/p Σ_{d>=D} p^d = p^(D-1).
  max += p ** (Math.max(full, k + 1) - 1);
  // min <= ext <= max holds exactly; rounding of the sums can break it by an ulp or two.
  const lo = clamp(min);
  const hi = Math.max(lo, clamp(max));
  return { min: lo, max: hi, ext: Math.min(hi, Math.max(lo, clamp(ext))) };
}

const clamp = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * Kendall's tau-b between the two models' scores over the documents both scored: concordant
 * minus discordant pairs over the geometric mean of the pairs untied in each; ties in either
 * score are handled as tau-b does. NaN with fewer than two shared documents or when one side
 * ties everything.
 */
export function kendallTauB(a: readonly Scored[], b: readonly Scored[]): number {
  const other = new Map(b.map((s) => [s.id, s.score]));
  const pairs: Array<readonly [number, number]> = [];
  for (const s of a) {
    const t = other.get(s.id);
    if (t !== undefined) pairs.push([s.score, t]);
  }
  const n = pairs.length;
  if (n < 2) return NaN;
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  // O(n^2): shadow comparisons are over one request's documents (hundreds at most).
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign(pairs[i][0] - pairs[j][0]);
      const db = Math.sign(pairs[i][1] - pairs[j][1]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

export interface Agreement {
  readonly overlap: number;
  readonly jaccard: number;
  readonly rbo: RboBounds;
  readonly kendallTauB: number;
  readonly top1: boolean;
}

/** Every agreement figure of two rankings (best first) at cut-off k. */
export function agreement(a: readonly Scored[], b: readonly Scored[], k: number, p = 0.9): Agreement {
  const ia = a.map((s) => s.id);
  const ib = b.map((s) => s.id);
  return {
    overlap: overlapAt(ia, ib, k),
    jaccard: jaccardAt(ia, ib, k),
    rbo: rbo(ia.slice(0, k), ib.slice(0, k), p),
    kendallTauB: kendallTauB(a, b),
    top1: ia.length > 0 && ia[0] === ib[0],
  };
}
