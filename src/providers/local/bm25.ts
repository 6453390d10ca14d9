import { asciiBytes, asciiString, prefixKeyBytes, WORD_BYTE } from './ascii.js';
import { bytesEqual, forEachTerm, isStopWord, isStopWordBytes, prefixKey, scanWords, spanEquals, termOf } from './text.js';

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

  const matcher = new QueryMatcher([...queryTerms.keys()]);
  const q = queryTerms.size;
  // Term frequencies of query terms only, flattened: tf[doc * q + slot].
  const tf = new Uint32Array(n * q);
  const lengths = new Uint32Array(n);
  const df = new Uint32Array(q);
  let totalLength = 0;
  for (let d = 0; d < n; d++) {
    const text = documents[d];
    const base = d * q;
    const bytes = asciiBytes(text);
    const len = bytes !== null ? matcher.countAscii(bytes, text.length, tf, base) : matcher.countUnicode(text.toLowerCase(), tf, base);
    lengths[d] = len;
    totalLength += len;
    for (let s = 0; s < q; s++) if (tf[base + s] > 0) df[s]++;
  }

  const avgLength = totalLength / n || 1;
  const idf = new Float64Array(q);
  for (let s = 0; s < q; s++) idf[s] = Math.log(1 + (n - df[s] + 0.5) / (df[s] + 0.5));
  const queryWeight = new Float64Array(q);
  let slot = 0;
  for (const count of queryTerms.values()) queryWeight[slot++] = count;

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

const NOT_A_QUERY_TERM = -1;

/**
 * Counts a document's length (non-stop words) and its query-term frequencies. Most words are
 * neither stop words nor query terms and only add to the length. A word can stem to a query
 * term only if it shares the term's first two units (the stemmer never touches those), so
 * only such candidates are stemmed, once per distinct word per call.
 */
class QueryMatcher {
  private readonly prefixes: Int32Array;
  /** First units of the query terms: most words are ruled out by one lookup here. */
  private readonly firstUnits = new Uint8Array(65536);
  private readonly slots = new Map<string, number>();
  private readonly seen = new WordTable();

  constructor(terms: readonly string[]) {
    this.prefixes = new Int32Array(terms.length);
    terms.forEach((t, i) => {
      this.slots.set(t, i);
      this.prefixes[i] = prefixKey(t, 0, t.length);
      this.firstUnits[t.charCodeAt(0)] = 1;
    });
  }

  /**
   * The ASCII fast path: one pass over bytes, lower-casing and hashing (FNV-1a, as
   * `scanWords` does) without allocating, all state in locals.
   */
  countAscii(bytes: Uint8Array, n: number, tf: Uint32Array, base: number): number {
    const table = WORD_BYTE;
    const firstUnits = this.firstUnits;
    const prefixes = this.prefixes;
    const q = prefixes.length;
    let len = 0;
    let start = -1;
    let hash = 0;
    for (let i = 0; i <= n; i++) {
      const c = i < n ? table[bytes[i]] : 0;
      if (c !== 0) {
        bytes[i] = c;
        if (start < 0) {
          start = i;
          hash = 0x811c9dc5 | 0;
        }
        hash = Math.imul(hash ^ c, 0x01000193);
        continue;
      }
      if (start < 0) continue;
      const end = i;
      const from = start;
      start = -1;
      if (isStopWordBytes(bytes, from, end, hash)) continue;
      len++;
      if (firstUnits[bytes[from]] === 0) continue;
      const key = prefixKeyBytes(bytes, from, end);
      let s = 0;
      while (s < q && prefixes[s] !== key) s++;
      if (s === q) continue;
      let slot = this.seen.findBytes(bytes, from, end, hash);
      if (slot === UNSEEN) slot = this.learn(hash, asciiString(bytes, from, end));
      if (slot >= 0) tf[base + slot]++;
    }
    return len;
  }

  /** Any text: Unicode letters and digits, through `scanWords`. */
  countUnicode(lower: string, tf: Uint32Array, base: number): number {
    const prefixes = this.prefixes;
    const q = prefixes.length;
    let len = 0;
    scanWords(lower, (start, end, hash) => {
      if (isStopWord(lower, start, end, hash)) return;
      len++;
      const key = prefixKey(lower, start, end);
      let s = 0;
      while (s < q && prefixes[s] !== key) s++;
      if (s === q) return;
      let slot = this.seen.findString(lower, start, end, hash);
      if (slot === UNSEEN) slot = this.learn(hash, lower.slice(start, end));
      if (slot >= 0) tf[base + slot]++;
    });
    return len;
  }

  private learn(hash: number, word: string): number {
    const term = termOf(word);
    const slot = term === null ? NOT_A_QUERY_TERM : (this.slots.get(term) ?? NOT_A_QUERY_TERM);
    this.seen.add(hash, word, slot);
    return slot;
  }
}

const UNSEEN = -2;

/**
 * Candidate words already stemmed in this call, by hash: an open-addressing table of typed
 * arrays (cheaper than a Map per lookup); the word itself settles hash collisions.
 */
class WordTable {
  private mask = 255;
  private size = 0;
  private used = new Uint8Array(256);
  private hashes = new Int32Array(256);
  private slots = new Int32Array(256);
  private words: string[] = new Array<string>(256).fill('');

  findBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    for (let at = hash & this.mask; this.used[at] !== 0; at = (at + 1) & this.mask) {
      if (this.hashes[at] === hash && bytesEqual(bytes, start, end, this.words[at])) return this.slots[at];
    }
    return UNSEEN;
  }

  findString(text: string, start: number, end: number, hash: number): number {
    for (let at = hash & this.mask; this.used[at] !== 0; at = (at + 1) & this.mask) {
      if (this.hashes[at] === hash && spanEquals(text, start, end, this.words[at])) return this.slots[at];
    }
    return UNSEEN;
  }

  add(hash: number, word: string, slot: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    let at = hash & this.mask;
    while (this.used[at] !== 0) at = (at + 1) & this.mask;
    this.used[at] = 1;
    this.hashes[at] = hash;
    this.slots[at] = slot;
    this.words[at] = word;
    this.size++;
  }

  private grow(): void {
    const { used, hashes, slots, words } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.used = new Uint8Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    this.words = new Array<string>(capacity).fill('');
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] !== 0) this.add(hashes[i], words[i], slots[i]);
  }
}
