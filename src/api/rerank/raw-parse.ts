import { isUtf8 } from 'node:buffer';
import { RawStrings } from '../../canonical/raw-json.js';
import type { RerankRequest } from '../../canonical/rerank.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { fromZod, type RerankLimits } from './parse.js';
import { rerankRequestSchema } from './schema.js';

/**
 * A JSON body the server handed over unparsed (routes that opt in), with the server's
 * general parse and its guards (depth, `__proto__`) for whatever this parser does not take.
 */
export interface RawJsonInput {
  readonly bytes: Buffer;
  /** The general path: the whole body parsed and checked as every other route gets it. */
  parse(): unknown;
  /** The server's guards for one value found at `depth` (1 = the body itself). */
  check(value: unknown, depth: number): void;
}

export const isRawJsonInput = (body: unknown): body is RawJsonInput =>
  typeof body === 'object' &&
  body !== null &&
  Buffer.isBuffer((body as RawJsonInput).bytes) &&
  typeof (body as RawJsonInput).parse === 'function';

/** Stands in for the documents while zod checks the other fields (the documents are checked here). */
const PLACEHOLDER_DOCUMENTS: readonly string[] = Object.freeze(['x']);

/** An escape JSON.stringify would write differently: `\/`, any `\u` (it writes short forms, raw characters, lower-case hex). */
const NON_CANONICAL = /\\[^"\\bfnrt]/;
/** A whole string with valid escapes and no raw control characters (checked on the few documents with escapes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters inside strings
const STRING = /^"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"$/;

/** Thrown inside the scanner for anything it leaves to the general path. */
const FALLBACK = Symbol('fallback');

/**
 * Parses a unified rerank body whose documents are all strings without decoding them:
 * each document stays a span of the body (see `RawStrings`). Validates what the general
 * path validates, with the same errors in the same order. Returns undefined when the body is
 * anything else (object documents, invalid JSON, bad UTF-8, duplicate `documents`): the
 * caller then takes the general path, which gives such bodies their usual answer.
 */
export function parseRawRerankBody(input: RawJsonInput, limits: RerankLimits): RerankRequest | undefined {
  const bytes = input.bytes;
  // Invalid UTF-8 decodes to U+FFFD on the general path; spliced bytes would differ.
  if (!isUtf8(bytes)) return undefined;
  let scanned: Scanned;
  try {
    scanned = scan(bytes, input);
  } catch (err) {
    if (err === FALLBACK || err instanceof SyntaxError) return undefined;
    throw err;
  }
  const parsed = rerankRequestSchema.safeParse({ ...scanned.fields, documents: PLACEHOLDER_DOCUMENTS });
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  const raw = finish(scanned, bytes, limits);
  const documents = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) documents[i] = raw.document(i);
  return {
    model: b.model,
    query: b.query,
    documents,
    topN: b.top_n,
    returnDocuments: b.return_documents ?? false,
    maxTokensPerDoc: b.max_tokens_per_doc,
    priority: b.priority,
    fallbacks: b.fallbacks,
    cache: b.cache,
    extra: b.extra,
    raw,
  };
}

interface Scanned {
  readonly fields: Record<string, unknown>;
  readonly starts: number[];
  readonly ends: number[];
  /** Per document: 1 = has escapes, 2 = has a printable ASCII character (so it is not blank), 3 = both. */
  readonly flags: number[];
}

const ESCAPED = 1;
const PRINTABLE = 2;

// The scanner reads bytes, never the body as one big string (decoding a large body to a
// string costs as much as the rest of the request). UTF-8 multi-byte sequences never
// contain a quote, backslash or control byte, so byte offsets are safe to cut at.
function scan(b: Buffer, input: RawJsonInput): Scanned {
  const fields: Record<string, unknown> = Object.create(null);
  const starts: number[] = [];
  const ends: number[] = [];
  const flags: number[] = [];
  let seenDocuments = false;
  let i = ws(b, 0);
  if (b[i] !== 0x7b) throw FALLBACK;
  i = ws(b, i + 1);
  if (b[i] === 0x7d) throw FALLBACK;
  for (;;) {
    if (b[i] !== 0x22) throw FALLBACK;
    const keyEnd = stringEnd(b, i);
    const key = JSON.parse(b.toString('utf8', i, keyEnd)) as string;
    i = ws(b, keyEnd);
    if (b[i] !== 0x3a) throw FALLBACK;
    i = ws(b, i + 1);
    if (key === 'documents') {
      if (seenDocuments || b[i] !== 0x5b) throw FALLBACK;
      seenDocuments = true;
      guard(input, starts); // the array itself sits at depth 2
      i = scanDocuments(b, i + 1, starts, ends, flags);
    } else {
      // The server's guards refuse `__proto__` and `constructor.prototype`; the general path gives that answer.
      if (key === '__proto__' || key === 'constructor') throw FALLBACK;
      const end = valueEnd(b, i);
      const value = JSON.parse(b.toString('utf8', i, end));
      if (typeof value === 'object' && value !== null) guard(input, value);
      fields[key] = value;
      i = end;
    }
    i = ws(b, i);
    const c = b[i];
    if (c === 0x7d) break;
    if (c !== 0x2c) throw FALLBACK;
    i = ws(b, i + 1);
  }
  if (ws(b, i + 1) !== b.length || !seenDocuments || starts.length === 0) throw FALLBACK;
  // Plain object again (JSON.parse's objects have Object.prototype); a duplicate key kept the last value, as JSON.parse does.
  return { fields: { ...fields }, starts, ends, flags };
}

/** Documents from just after `[` to just after `]`; any non-string element falls back. */
function scanDocuments(b: Buffer, from: number, starts: number[], ends: number[], flags: number[]): number {
  let i = ws(b, from);
  if (b[i] === 0x5d) throw FALLBACK;
  const len = b.length;
  for (;;) {
    if (b[i] !== 0x22) throw FALLBACK;
    const start = i;
    let f = 0;
    let c = 0;
    // One pass over the text's bytes: where it ends, whether it has escapes or raw control bytes, and whether it is blank.
    for (i++; i < len; i++) {
      c = b[i];
      if (c === 0x22) break;
      if (c === 0x5c) {
        f |= ESCAPED;
        i++;
      } else if (c < 0x20) {
        throw FALLBACK;
      } else if (c !== 0x20 && c < 0x7f) {
        f |= PRINTABLE;
      }
    }
    if (c !== 0x22 || i >= len) throw FALLBACK;
    i++;
    // The escapes skipped over: `\x` or a short `\u` is invalid JSON (the general path's 400).
    if ((f & ESCAPED) !== 0 && !STRING.test(b.toString('latin1', start, i))) throw FALLBACK;
    starts.push(start);
    ends.push(i);
    flags.push(f);
    i = ws(b, i);
    c = b[i];
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) throw FALLBACK;
    i = ws(b, i + 1);
  }
}

/** The server's guards; a refusal is the general path's to give (it may find another error first). */
function guard(input: RawJsonInput, value: object): void {
  try {
    input.check(value, 2);
  } catch {
    throw FALLBACK;
  }
}

function ws(b: Buffer, at: number): number {
  let i = at;
  for (;;) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** End (past the closing quote) of the string starting at `at`; JSON.parse of the slice checks its escapes. */
function stringEnd(b: Buffer, at: number): number {
  for (let i = at + 1; i < b.length; i++) {
    const c = b[i];
    if (c === 0x22) return i + 1;
    if (c === 0x5c) i++;
  }
  throw FALLBACK;
}

/** End of the JSON value starting at `at` (JSON.parse of the slice checks it). */
function valueEnd(b: Buffer, at: number): number {
  const c = b[at];
  if (c === 0x22) return stringEnd(b, at);
  let i = at;
  if (c !== 0x7b && c !== 0x5b) {
    // A number or a literal: up to the next delimiter.
    while (i < b.length && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x20 && b[i] !== 0x0a && b[i] !== 0x0d && b[i] !== 0x09) i++;
    if (i === at) throw FALLBACK;
    return i;
  }
  let depth = 0;
  while (i < b.length) {
    const ch = b[i];
    if (ch === 0x22) {
      i = stringEnd(b, i);
      continue;
    }
    if (ch === 0x7b || ch === 0x5b) depth++;
    else if (ch === 0x7d || ch === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw FALLBACK;
}

/**
 * The documents' checks, in the general path's order (count, then per document blank and
 * length), decoding only documents with escapes, non-ASCII blanks, or more bytes than allowed.
 */
function finish(s: Scanned, bytes: Buffer, limits: RerankLimits): RawStrings {
  const n = s.starts.length;
  if (n > limits.maxDocuments) {
    throw new GatewayError('too_many_documents', `documents has ${n} items; the maximum is ${limits.maxDocuments}`, {
      param: 'documents',
    });
  }
  const starts = Int32Array.from(s.starts);
  const ends = Int32Array.from(s.ends);
  const joined = new Uint8Array(n);
  const escapedAt = new Uint8Array(n);
  const texts: Array<string | undefined> = new Array(n);
  const replaced = new Map<number, Buffer>();
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && s.starts[i + 1] === s.ends[i] + 1) joined[i] = 1;
    const f = s.flags[i];
    let text: string | undefined;
    if ((f & ESCAPED) !== 0) {
      escapedAt[i] = 1;
      const literal = bytes.toString('latin1', starts[i], ends[i]);
      text = JSON.parse(bytes.toString('utf8', starts[i], ends[i])) as string;
      texts[i] = text;
      if (NON_CANONICAL.test(literal)) replaced.set(i, Buffer.from(JSON.stringify(text), 'utf8'));
    }
    const inner = ends[i] - starts[i] - 2;
    // Without a printable ASCII byte the text may still be non-blank (non-ASCII letters) or blank (U+3000): decode to know.
    const maybeBlank = text !== undefined || (f & PRINTABLE) === 0;
    if (maybeBlank) text ??= bytes.toString('utf8', starts[i] + 1, ends[i] - 1);
    if (maybeBlank && (text as string).trim().length === 0) {
      throw invalidRequest(`document text is required for rerank at index ${i}`, `documents[${i}]`);
    }
    // Bytes never undercount UTF-16 units, so only a document over the limit in bytes needs its length.
    if (text !== undefined || inner > limits.maxDocumentChars) {
      const chars = (text ?? bytes.toString('utf8', starts[i] + 1, ends[i] - 1)).length;
      if (chars > limits.maxDocumentChars) {
        throw invalidRequest(
          `document at index ${i} has ${chars} characters; the maximum is ${limits.maxDocumentChars}`,
          `documents[${i}]`,
        );
      }
    }
  }
  return new RawStrings(bytes, starts, ends, joined, replaced, escapedAt, texts);
}
