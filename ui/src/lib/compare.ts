import { overlapAt, rbo } from '../../../src/core/rerank/agreement.js';

/** One reranker's answer in the playground: document indices in returned order, with scores. */
export interface Ranking {
  readonly name: string;
  readonly order: readonly number[];
  readonly scores: ReadonlyMap<number, number>;
}

/** How a document moved against a baseline ranking: positive = moved up. Null when the baseline lacks it. */
export function movement(baseline: readonly number[], order: readonly number[]): Map<number, number | null> {
  const at = new Map(baseline.map((doc, i) => [doc, i]));
  const out = new Map<number, number | null>();
  order.forEach((doc, i) => {
    const before = at.get(doc);
    out.set(doc, before === undefined ? null : before - i);
  });
  return out;
}

export interface PairAgreement {
  readonly a: string;
  readonly b: string;
  readonly k: number;
  /** Share of the top k both rankings hold (0-1). */
  readonly overlap: number;
  /** Rank-biased overlap (p = 0.9), the extrapolated point estimate. */
  readonly rbo: number;
}

/** Overlap@k and RBO for every pair of rankings (the same functions Rerank Lab's shadow mode uses). */
export function pairwise(rankings: readonly Ranking[], k: number): PairAgreement[] {
  const out: PairAgreement[] = [];
  for (let i = 0; i < rankings.length; i++) {
    for (let j = i + 1; j < rankings.length; j++) {
      const a = rankings[i];
      const b = rankings[j];
      const depth = Math.max(1, Math.min(k, a.order.length, b.order.length));
      out.push({
        a: a.name,
        b: b.name,
        k: depth,
        overlap: overlapAt([...a.order], [...b.order], depth),
        rbo: a.order.length && b.order.length ? rbo([...a.order], [...b.order]).ext : 0,
      });
    }
  }
  return out;
}

/** Documents pasted as text: one per line, blank lines dropped. */
export const documentsFromText = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
