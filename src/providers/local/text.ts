import { stem as porter2 } from 'porter2';
import { ASCII_PAIRS, asciiPair } from './ascii.js';

/**
 * Tokenisation for the built-in BM25 reranker: Unicode letters and digits, lower-cased,
 * English stop words dropped, and the Porter2 (Snowball English) stemmer, so
 * "gateways"/"gateway" and "ranking"/"rank" meet.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves'
  ).split(' '),
);

const WORD_CHAR = /^[\p{L}\p{N}]$/u;
const UNKNOWN = 0;
const WORD = 1;
const OTHER = 2;
const HIGH_SURROGATE = 3;
/** Class of every UTF-16 unit, filled in lazily outside ASCII. */
const UNIT_CLASS = new Uint8Array(65536);
for (let c = 0; c < 128; c++) {
  UNIT_CLASS[c] = (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? WORD : OTHER;
}
UNIT_CLASS.fill(HIGH_SURROGATE, 0xd800, 0xdc00);

function classifyUnit(c: number): number {
  const k = WORD_CHAR.test(String.fromCharCode(c)) ? WORD : OTHER;
  UNIT_CLASS[c] = k;
  return k;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Finds every maximal run of Unicode letters and digits in `lower` (the words
 * `/[\p{L}\p{N}]+/u` finds) and calls `visit(start, end, hash)` with its bounds and an
 * FNV-1a hash of its UTF-16 units. Nothing is allocated per word: BM25 looks words up by
 * hash and only builds strings for words it has not seen before in the call.
 */
export function scanWords(lower: string, visit: (start: number, end: number, hash: number) => void): void {
  const n = lower.length;
  let start = -1;
  let hash = 0;
  for (let i = 0; i < n; i++) {
    const c = lower.charCodeAt(i);
    let k = UNIT_CLASS[c];
    if (k === UNKNOWN) k = classifyUnit(c);
    let width = 1;
    if (k === HIGH_SURROGATE) {
      // A surrogate pair: classify the whole code point (astral letters exist).
      k = i + 1 < n && WORD_CHAR.test(lower.slice(i, i + 2)) ? WORD : OTHER;
      width = 2;
    }
    if (k === WORD) {
      if (start < 0) {
        start = i;
        hash = FNV_OFFSET;
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
      if (width === 2) hash = Math.imul(hash ^ lower.charCodeAt(++i), FNV_PRIME);
    } else {
      if (start >= 0) {
        visit(start, i, hash);
        start = -1;
      }
      i += width - 1;
    }
  }
  if (start >= 0) visit(start, n, hash);
}

/** Calls `visit` with every lower-cased word (run of Unicode letters and digits) of `text`. */
export function forEachWord(text: string, visit: (word: string) => void): void {
  const lower = text.toLowerCase();
  scanWords(lower, (start, end) => visit(lower.slice(start, end)));
}

/** True when `text[start, end)` is exactly `word`, without building the substring. */
export function spanEquals(text: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (text.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** The first two UTF-16 units of `text[start, end)` as one number (one unit: marked as such). */
export function prefixKey(text: string, start: number, end: number): number {
  const first = text.charCodeAt(start);
  return end - start === 1 ? first * 65536 + 65535 : first * 65536 + text.charCodeAt(start + 1);
}

/**
 * Stop words by the FNV-1a hash `scanWords` computes, in an open-addressing table made of
 * typed arrays and a packed string array (no holes), so a probe for an ordinary word is a
 * couple of array reads.
 */
const STOP_SLOTS = 512;
const STOP_USED = new Uint8Array(STOP_SLOTS);
const STOP_HASHES = new Int32Array(STOP_SLOTS);
const STOP_STRINGS: string[] = new Array<string>(STOP_SLOTS).fill('');
for (const word of STOP_WORDS) {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), FNV_PRIME);
  let at = h & (STOP_SLOTS - 1);
  while (STOP_USED[at] !== 0) at = (at + 1) & (STOP_SLOTS - 1);
  STOP_USED[at] = 1;
  STOP_HASHES[at] = h;
  STOP_STRINGS[at] = word;
}

/** Length of the longest stop word: any longer word is not one. */
export const STOP_MAX_LENGTH = Math.max(...[...STOP_WORDS].map((w) => w.length));

/**
 * A pre-filter for the ASCII path, so most words are never hashed: at the `asciiPair` of a
 * word's first two lower-cased bytes, bit `length` is set when some stop word has that start
 * and length. A set bit only means "maybe": `isStopWordBytes` decides.
 */
export const STOP_SHAPES = new Uint16Array(ASCII_PAIRS);
for (const word of STOP_WORDS) {
  // Uint16 bits and 7-bit pairs: holds while stop words are ASCII and at most 15 long.
  if (word.length > 15 || !/^[a-z]+$/.test(word)) throw new Error(`stop word outside the ASCII filter: ${word}`);
  STOP_SHAPES[asciiPair(word.charCodeAt(0), word.length > 1 ? word.charCodeAt(1) : 0)] |= 1 << word.length;
}

/** True when `lower[start, end)` (hashed by `scanWords`) is a stop word; allocates nothing. */
export function isStopWord(lower: string, start: number, end: number, hash: number): boolean {
  for (let at = hash & (STOP_SLOTS - 1); STOP_USED[at] !== 0; at = (at + 1) & (STOP_SLOTS - 1)) {
    if (STOP_HASHES[at] === hash && spanEquals(lower, start, end, STOP_STRINGS[at])) return true;
  }
  return false;
}

/** The same check over lower-cased ASCII bytes (see `ascii.ts`). */
export function isStopWordBytes(bytes: Uint8Array, start: number, end: number, hash: number): boolean {
  for (let at = hash & (STOP_SLOTS - 1); STOP_USED[at] !== 0; at = (at + 1) & (STOP_SLOTS - 1)) {
    if (STOP_HASHES[at] === hash && bytesEqual(bytes, start, end, STOP_STRINGS[at])) return true;
  }
  return false;
}

/** True when `bytes[start, end)` spells `word` (ASCII). */
export function bytesEqual(bytes: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (bytes[start + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Stemmed terms by word, null for stop words; documents repeat words, so this is mostly hits. */
const TERMS = new Map<string, string | null>();
const MAX_CACHED_TERMS = 200_000;

/** The BM25 term of one lower-cased word: null for a stop word, else its stem. */
export function termOf(word: string): string | null {
  let term = TERMS.get(word);
  if (term === undefined) {
    term = STOP_WORDS.has(word) ? null : stem(word);
    if (TERMS.size >= MAX_CACHED_TERMS) TERMS.clear();
    TERMS.set(word, term);
  }
  return term;
}

/** Calls `visit` with every stemmed, non-stop-word token of `text`. */
export function forEachTerm(text: string, visit: (term: string) => void): void {
  forEachWord(text, (word) => {
    const term = termOf(word);
    if (term !== null) visit(term);
  });
}

export function terms(text: string): string[] {
  const out: string[] = [];
  forEachTerm(text, (t) => out.push(t));
  return out;
}

/**
 * The Porter2 (Snowball English) stem of a lower-cased word, from the `porter2` package.
 * BM25's matcher relies on a stem keeping its word's first two units, which Porter2 does
 * but for the words in `PREFIX_CHANGING_STEMS` and a few non-words whose stem would be one
 * letter ("aed" -> "a"): those keep their own spelling. Non-English words pass through (Porter2 treats other letters as
 * consonants, so "größe" and "über" come back unchanged).
 */
export function stem(word: string): string {
  if (word.length <= 2) return word;
  const s = porter2(word);
  return s.length >= 2 ? s : word;
}

/**
 * The words whose Porter2 stem does not start with their own first two units, with that
 * stem: Porter2's exceptional forms "dying", "lying", "tying". An exhaustive check of every
 * word of 3 to 5 letters and of two or three letters plus each common suffix found no others
 * (besides the one-letter stems `stem` refuses).
 */
export const PREFIX_CHANGING_STEMS: ReadonlyArray<readonly [string, string]> = ['dying', 'lying', 'tying'].map(
  (w) => [w, stem(w)] as const,
);
