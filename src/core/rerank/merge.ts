import type { RankedDocument, RerankDocument, ScoredIndex } from '../../canonical/rerank.js';

/**
 * Sorts by score descending, ties by the caller's index ascending, cuts to topN and
 * attaches documents when asked. The one place ordering is decided, for every provider.
 */
export function rankResults(
  scored: ScoredIndex[],
  documents: readonly RerankDocument[],
  topN: number | undefined,
  returnDocuments: boolean,
): RankedDocument[] {
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  const n = topN === undefined ? scored.length : Math.min(topN, scored.length);
  const out: RankedDocument[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const s = scored[i];
    out[i] = returnDocuments ? { index: s.index, score: s.score, document: documents[s.index] } : { index: s.index, score: s.score };
  }
  return out;
}

/** Splits `count` items into slices of at most `size`: [start, end) pairs. */
export function slices(count: number, size: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (let start = 0; start < count; start += size) out.push([start, Math.min(count, start + size)]);
  return out;
}
