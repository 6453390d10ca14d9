import { ASCII_PAIRS, asciiBytes, asciiPair, asciiString, WORD_BYTE } from './ascii.js';
import {
  forEachTerm,
  isStopWord,
  isStopWordBytes,
  prefixKey,
  PREFIX_CHANGING_STEMS,
  scanWords,
  spanEquals,
  STOP_MAX_LENGTH,
  STOP_SHAPES,
  termOf,
} from './text.js';

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
 * Lower-cases the ASCII word `bytes[start, end)` in place and returns its FNV-1a hash, the
 * one `scanWords` gives the same lower-cased word (ASCII units equal their bytes).
 */
function lowerAndHash(bytes: Uint8Array, start: number, end: number): number {
  const table = WORD_BYTE;
  let hash = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) {
    const c = table[bytes[i]];
    bytes[i] = c;
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  return hash;
}

/**
 * Counts a document's length (non-stop words) and its query-term frequencies. Most words are
 * neither stop words nor query terms and only add to the length. A word can stem to a query
 * term only if it shares the term's first two units (the stemmer keeps those, but for the
 * words in `PREFIX_CHANGING_STEMS`), so only such candidates are stemmed, once per distinct
 * word per call.
 */
class QueryMatcher {
  private readonly prefixes: Int32Array;
  /**
   * For the ASCII path: 1 at `asciiPair` of each query term's first two units. It is the
   * `prefixes` filter as one lookup; terms that do not start with two ASCII units (or one)
   * have no entry, as no ASCII word can stem to them.
   */
  private readonly pairs = new Uint8Array(ASCII_PAIRS);
  private readonly slots = new Map<string, number>();
  private readonly seen = new WordTable();

  constructor(terms: readonly string[]) {
    const starts = [...terms];
    terms.forEach((t, i) => {
      this.slots.set(t, i);
      // The few words whose stem starts differently ("dying" -> "die") are candidates too.
      for (const [word, term] of PREFIX_CHANGING_STEMS) if (term === t) starts.push(word);
    });
    this.prefixes = new Int32Array(starts.map((t) => prefixKey(t, 0, t.length)));
    for (const t of starts) {
      const first = t.charCodeAt(0);
      const second = t.length > 1 ? t.charCodeAt(1) : 0;
      if (first < 128 && second < 128) this.pairs[asciiPair(first, second)] = 1;
    }
  }

  /**
   * The ASCII fast path over `bytes[0, n)`, which must be followed by a non-word byte at
   * `bytes[n]` (`asciiBytes` puts a 0 there), so the word loop needs no bounds check. The
   * per-byte work is only finding where words end. A word is lower-cased in place and
   * hashed (FNV-1a, as `scanWords` does) only when it may be a stop word or a query term;
   * its length and first two bytes rule both out, in one test, for most words.
   */
  countAscii(bytes: Uint8Array, n: number, tf: Uint32Array, base: number): number {
    const table = WORD_BYTE;
    const shapes = STOP_SHAPES;
    const maxStop = STOP_MAX_LENGTH;
    const pairs = this.pairs;
    let len = 0;
    let i = 0;
    for (;;) {
      while (i < n && table[bytes[i]] === 0) i++;
      if (i >= n) break;
      const from = i;
      // For a one-letter word the second byte is the non-word byte after it: 0 in `table`.
      const pair = asciiPair(table[bytes[i]], table[bytes[i + 1]]);
      // Two bytes a step (measurably faster than one). Never reads past bytes[n], the sentinel.
      for (;;) {
        if (table[bytes[i + 1]] === 0) {
          i += 1;
          break;
        }
        if (table[bytes[i + 2]] === 0) {
          i += 2;
          break;
        }
        i += 2;
      }
      const end = i++; // and i steps past the byte that ended the word
      const size = end - from;
      // Bit `size` of the stop-word shapes, masked to 0 when size > maxStop (a shift by
      // size would wrap at 32).
      const maybeStop = (shapes[pair] >>> size) & ~((maxStop - size) >> 31) & 1;
      if ((maybeStop | pairs[pair]) === 0) {
        len++;
        continue;
      }
      const hash = lowerAndHash(bytes, from, end);
      if (maybeStop !== 0 && isStopWordBytes(bytes, from, end, hash)) continue;
      len++;
      if (pairs[pair] === 0) continue;
      let slot = this.seen.findBytes(bytes, from, end, hash);
      if (slot === UNSEEN) slot = this.learn(hash, asciiString(bytes, from, end));
      if (slot >= 0) tf[base + slot]++;
    }
    return len;
  }

  /** Any text: Unicode letters and digits, through `scanWords`. */
  countUnicode(lower: string, tf: Uint32Array, base: number): number {
    const prefixes = this.prefixes;
    const q = prefixes.length; // query terms and the starts of words that stem to them
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
 * arrays (cheaper than a Map per lookup); the word itself settles hash collisions. ASCII
 * words are also kept as bytes in one pool, so the ASCII path compares bytes with bytes
 * (reading a string's units costs more per unit).
 */
class WordTable {
  private mask = 255;
  private size = 0;
  private used = new Uint8Array(256);
  private hashes = new Int32Array(256);
  private slots = new Int32Array(256);
  private words: string[] = new Array<string>(256).fill('');
  /** Where each word's bytes start in `pool`; -1 for a word with non-ASCII units. */
  private offsets = new Int32Array(256);
  private lengths = new Int32Array(256);
  private pool = new Uint8Array(4096);
  private poolSize = 0;

  findBytes(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const size = end - start;
    const mask = this.mask;
    for (let at = hash & mask; this.used[at] !== 0; at = (at + 1) & mask) {
      if (this.hashes[at] !== hash || this.lengths[at] !== size) continue;
      const offset = this.offsets[at];
      if (offset < 0) continue;
      const pool = this.pool;
      let k = 0;
      while (k < size && pool[offset + k] === bytes[start + k]) k++;
      if (k === size) return this.slots[at];
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
    this.lengths[at] = word.length;
    this.offsets[at] = this.store(word);
    this.size++;
  }

  /** Copies an ASCII word into the pool and returns its offset; -1 if it is not ASCII. */
  private store(word: string): number {
    const n = word.length;
    if (this.poolSize + n > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolSize + n));
      pool.set(this.pool.subarray(0, this.poolSize));
      this.pool = pool;
    }
    const offset = this.poolSize;
    for (let i = 0; i < n; i++) {
      const c = word.charCodeAt(i);
      if (c >= 128) return -1;
      this.pool[offset + i] = c;
    }
    this.poolSize += n;
    return offset;
  }

  private grow(): void {
    const { used, hashes, slots, words } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.used = new Uint8Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(capacity);
    this.words = new Array<string>(capacity).fill('');
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.poolSize = 0;
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] !== 0) this.add(hashes[i], words[i], slots[i]);
  }
}
