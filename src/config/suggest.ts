/**
 * "Did you mean" for an unknown config key: a hint the schema's owner declared first (names
 * other tools use), else the closest known key by edit distance, by a shared prefix, or by
 * sharing most of its `_`-separated words. Nothing when no key is close: a wrong guess is
 * worse than none.
 */
export function suggestKey(unknown: string, known: readonly string[], hints: Readonly<Record<string, string>> = {}): string | undefined {
  const lower = unknown.toLowerCase();
  const hinted = Object.hasOwn(hints, lower) ? hints[lower] : undefined;
  if (hinted !== undefined && known.includes(hinted)) return hinted;
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const d = editDistance(lower, candidate.toLowerCase());
    const limit = Math.floor(Math.max(lower.length, candidate.length) / 3);
    const close = d <= limit || affixOf(lower, candidate) || sharedWords(lower, candidate) >= 0.6;
    if (close && d < bestScore) {
      best = candidate;
      bestScore = d;
    }
  }
  return best;
}

/** One is the other plus a short word: `access_key` -> `access_key_id`, `retries` -> `max_retries`. */
function affixOf(a: string, b: string): boolean {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  if (short.length < 4 || long.length - short.length > 4) return false;
  return long.startsWith(short) || long.endsWith(`_${short}`);
}

/** Jaccard overlap of the words of two snake_case keys. */
function sharedWords(a: string, b: string): number {
  const wa = new Set(a.split(/[_-]/).filter(Boolean));
  const wb = new Set(b.split(/[_-]/).filter(Boolean));
  if (wa.size < 2 || wb.size < 2) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / (wa.size + wb.size - common);
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}
