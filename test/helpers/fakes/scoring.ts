import { createHash } from 'node:crypto';

/**
 * What the fake rerankers compute: word overlap between query and document plus a small
 * hash-derived term, so every pair has its own stable score, independent of the other
 * documents in the call (as a cross-encoder's is). Chunked and unchunked calls must agree.
 */
export function fakeScore(query: string, doc: string): number {
  const q = new Set(query.toLowerCase().match(/[a-z0-9]+/g) ?? []);
  const words = doc.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  let hits = 0;
  for (const w of words) if (q.has(w)) hits++;
  const overlap = words.length ? hits / words.length : 0;
  const jitter =
    createHash('sha256')
      .update(query + '\u0000' + doc)
      .digest()
      .readUInt32BE(0) /
    2 ** 32;
  return Math.min(0.999999, overlap * 0.9 + jitter * 0.0999);
}

/** Scores documents and returns them sorted the way every upstream does: best first. */
export function rank(query: string, docs: readonly string[], topN?: number): Array<{ index: number; score: number }> {
  const scored = docs.map((d, index) => ({ index, score: fakeScore(query, d) }));
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return topN && topN > 0 ? scored.slice(0, topN) : scored;
}
