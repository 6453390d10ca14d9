/**
 * Tokenisation for the built-in BM25 reranker: Unicode letters and digits, lower-cased,
 * English stop words dropped, and a light suffix-stripping stemmer (plurals, -ing, -ed,
 * -ly and a few derivational endings) so "gateways"/"gateway" and "ranking"/"rank" meet.
 */
const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between both but by ' +
    'can could did do does doing down during each few for from further had has have having he her here hers herself him ' +
    'himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other ' +
    'our ours ourselves out over own same she should so some such than that the their theirs them themselves then there ' +
    'these they this those through to too under until up very was we were what when where which while who whom why will ' +
    'with would you your yours yourself yourselves'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}]+/gu;

/** Calls `visit` with every stemmed, non-stop-word token of `text`. */
export function forEachTerm(text: string, visit: (term: string) => void): void {
  const lower = text.toLowerCase();
  WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD.exec(lower)) !== null) {
    const word = m[0];
    if (STOP_WORDS.has(word)) continue;
    visit(stem(word));
  }
}

export function terms(text: string): string[] {
  const out: string[] = [];
  forEachTerm(text, (t) => out.push(t));
  return out;
}

/** A light stemmer: strips common English suffixes, never below three characters. */
export function stem(word: string): string {
  const n = word.length;
  if (n <= 3) return word;
  let w = word;
  if (w.endsWith('ies') && n > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);

  for (const [suffix, replacement] of SUFFIXES) {
    if (w.length - suffix.length >= 3 && w.endsWith(suffix)) {
      w = w.slice(0, w.length - suffix.length) + replacement;
      break;
    }
  }
  // "running" -> "runn" -> "run"
  const len = w.length;
  if (len > 3 && w.charCodeAt(len - 1) === w.charCodeAt(len - 2) && !'lsz'.includes(w[len - 1])) {
    const c = w[len - 1];
    if (!'aeiou'.includes(c) && word.length > len) w = w.slice(0, -1);
  }
  return w;
}

const SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['ational', 'ate'],
  ['ization', 'ize'],
  ['fulness', 'ful'],
  ['iveness', 'ive'],
  ['ability', 'able'],
  ['ingly', ''],
  ['edly', ''],
  ['ness', ''],
  ['ing', ''],
  ['ed', ''],
  ['ly', ''],
  ['er', ''],
];
