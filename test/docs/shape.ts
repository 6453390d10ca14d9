// Compares what an example printed with the answer the README shows next to it.
// The README's answers are JSON with elisions: `…` or `...` as a value, inside a string or
// after the last member stands for "anything here"; a leading `…` means "somewhere in it".

/** Every top-level JSON value in `text` (curl prints answers back to back, without newlines). */
export function jsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '{' && c !== '[') {
      i++;
      continue;
    }
    const end = balancedEnd(text, i);
    if (end < 0) break;
    try {
      out.push(JSON.parse(text.slice(i, end + 1)));
      i = end + 1;
    } catch {
      i++;
    }
  }
  return out;
}

function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export interface Expected {
  readonly value: unknown;
  /** The README showed a piece of the answer (`… {...} …`): match it anywhere inside. */
  readonly fragment: boolean;
}

const ELLIPSIS = String.raw`(?:\.\.\.|…)`;

/** Parses a README answer with its elisions; undefined when it is not JSON at all. */
export function parseExpected(text: string): Expected | undefined {
  let t = text.trim();
  let fragment = false;
  const lead = new RegExp(`^${ELLIPSIS}\\s*`);
  if (lead.test(t)) {
    fragment = true;
    t = t.replace(lead, '').replace(new RegExp(`\\s*${ELLIPSIS}$`), '');
  }
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined;
  // Elided object members vanish; an elided array element becomes "…" (the array is then
  // matched by containment); an elided value becomes "…" (anything).
  t = t
    .replace(new RegExp(`{\\s*${ELLIPSIS}\\s*}`, 'g'), '{}')
    .replace(new RegExp(`{\\s*${ELLIPSIS}\\s*,`, 'g'), '{')
    .replace(new RegExp(`,\\s*${ELLIPSIS}\\s*(?=,)`, 'g'), '')
    .replace(new RegExp(`,\\s*${ELLIPSIS}\\s*}`, 'g'), '}')
    .replace(new RegExp(`,\\s*${ELLIPSIS}\\s*]`, 'g'), ',"…"]')
    .replace(new RegExp(`\\[\\s*${ELLIPSIS}\\s*(?=[,\\]])`, 'g'), '["…"')
    .replace(new RegExp(`(:\\s*)${ELLIPSIS}(?=\\s*[,}\\]])`, 'g'), '$1"…"')
    .replace(new RegExp(`(\\d)${ELLIPSIS}`, 'g'), '$1');
  try {
    return { value: JSON.parse(t), fragment };
  } catch (err) {
    throw new Error(`the README's answer is not JSON even with its elisions (${(err as Error).message}):\n${text}`);
  }
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** A glob where `…`/`...` matches any run of characters. */
export function globMatch(pattern: string, actual: string): boolean {
  const parts = pattern.split(new RegExp(ELLIPSIS));
  const re = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  return new RegExp(`^${re}$`).test(actual);
}

/**
 * Problems found matching `actual` against the README's `expected`: objects must have every
 * key shown (more are fine), arrays at least the elements shown, numbers be numbers (values
 * vary), strings, booleans and null be equal (globs aside; timestamps need only look like one).
 */
export function shapeProblems(expected: unknown, actual: unknown, path = '$'): string[] {
  if (typeof expected === 'string') {
    if (expected === '…') return actual === undefined ? [`${path}: missing`] : [];
    if (typeof actual !== 'string') return [`${path}: expected a string, got ${JSON.stringify(actual)}`];
    if (ISO_TIME.test(expected)) return ISO_TIME.test(actual) ? [] : [`${path}: expected a timestamp, got ${actual}`];
    return globMatch(expected, actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (typeof expected === 'number') return typeof actual === 'number' ? [] : [`${path}: expected a number, got ${JSON.stringify(actual)}`];
  if (expected === null || typeof expected === 'boolean') {
    return actual === expected ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (expected.includes('…')) {
      // Elided elements: each element shown must match one of the answer's, in any order.
      return expected
        .filter((e) => e !== '…')
        .flatMap((e) => (actual.some((a) => shapeProblems(e, a).length === 0) ? [] : [`${path}: no element matches ${JSON.stringify(e)}`]));
    }
    if (actual.length < expected.length) return [`${path}: expected at least ${expected.length} elements, got ${actual.length}`];
    return expected.flatMap((e, i) => shapeProblems(e, actual[i], `${path}[${i}]`));
  }
  const e = expected as Record<string, unknown>;
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
    return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
  }
  const a = actual as Record<string, unknown>;
  return Object.keys(e).flatMap((k) => (k in a ? shapeProblems(e[k], a[k], `${path}.${k}`) : [`${path}.${k}: missing`]));
}

/** Matches the README's answer against the values an example printed (the last one, or any for a fragment). */
export function compareAnswer(expected: Expected, printed: readonly unknown[]): string[] {
  if (printed.length === 0) return ['the example printed no JSON'];
  if (!expected.fragment) return shapeProblems(expected.value, printed[printed.length - 1]);
  const candidates: unknown[] = [];
  const walk = (v: unknown) => {
    candidates.push(v);
    if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  printed.forEach(walk);
  if (candidates.some((c) => shapeProblems(expected.value, c).length === 0)) return [];
  return [`nothing in the output matches ${JSON.stringify(expected.value)}`];
}

/** True when the README's answer is an error envelope (so an HTTP error status is what it shows). */
export function isErrorAnswer(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return 'error' in v || 'detail' in v || (Object.keys(v).length <= 2 && 'message' in v);
}
