import { forEachTerm, scanWords, spanEquals, termOf } from './text.js';

/** A distinct word of one call and what it counts as; words with equal hashes are chained. */
interface WordEntry {
  readonly word: string;
  readonly slot: number;
  readonly next: WordEntry | undefined;
}

export interface Bm25Options {
  readonly k1: number;
  readonly b: number;
  /** Raw scores s are squashed as s / (s + squash) into 0..1. */
  readonly squash: number;
}

export const DEFAULT_BM25: Bm25Options = { k1: 1.2, b: 0.75, squash: 4 };

/**
 * Okapi BM25 of one query against a set of documents, the set itself being the corpus
 * for document frequencies. Returns one score in [0, 1) per document, in input order.
 */
export function bm25Scores(query: string, documents: readonly string[], options: Bm25Options = DEFAULT_BM25): number[] {
  const queryTerms = new Map<string, number>();
  forEachTerm(query, (t) => queryTerms.set(t, (queryTerms.get(t) ?? 0) + 1));
  const n = documents.length;
  const scores = new Array<number>(n).fill(0);
  if (queryTerms.size === 0 || n === 0) return scores;

  const slot = new Map<string, number>();
  for (const t of queryTerms.keys()) slot.set(t, slot.size);
  const q = slot.size;
  // Term frequencies of query terms only, flattened: tf[doc * q + slot].
  const tf = new Uint32Array(n * q);
  const lengths = new Uint32Array(n);
  const df = new Uint32Array(q);
  let totalLength = 0;

  // What each distinct word of this call counts as: a query-term slot, OTHER or STOP.
  const OTHER = -1;
  const STOP = -2;
  const words = new Map<number, WordEntry>();
  let lower = '';
  let len = 0;
  let base = 0;
  const count = (start: number, end: number, fullHash: number): void => {
    const hash = fullHash & 0x3fffffff; // small integers are the cheapest Map keys
    const first = words.get(hash);
    let e = first;
    while (e !== undefined && !spanEquals(lower, start, end, e.word)) e = e.next;
    if (e === undefined) {
      const word = lower.slice(start, end);
      const term = termOf(word);
      e = { word, slot: term === null ? STOP : (slot.get(term) ?? OTHER), next: first };
      words.set(hash, e);
    }
    if (e.slot === STOP) return;
    len++;
    if (e.slot >= 0) tf[base + e.slot]++;
  };
  for (let d = 0; d < n; d++) {
    len = 0;
    base = d * q;
    lower = documents[d].toLowerCase();
    scanWords(lower, count);
    lengths[d] = len;
    totalLength += len;
    for (let s = 0; s < q; s++) if (tf[base + s] > 0) df[s]++;
  }

  const avgLength = totalLength / n || 1;
  const idf = new Float64Array(q);
  for (let s = 0; s < q; s++) idf[s] = Math.log(1 + (n - df[s] + 0.5) / (df[s] + 0.5));
  const queryWeight = new Float64Array(q);
  for (const [t, count] of queryTerms) queryWeight[slot.get(t)!] = count;

  const { k1, b, squash } = options;
  for (let d = 0; d < n; d++) {
    const norm = k1 * (1 - b + (b * lengths[d]) / avgLength);
    let raw = 0;
    const base = d * q;
    for (let s = 0; s < q; s++) {
      const f = tf[base + s];
      if (f > 0) raw += queryWeight[s] * idf[s] * ((f * (k1 + 1)) / (f + norm));
    }
    scores[d] = raw / (raw + squash);
  }
  return scores;
}
