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

// Sticky scanners over the body viewed as latin1 (one char per byte, so offsets are byte
// offsets; UTF-8 multi-byte sequences never contain a quote, backslash or control byte).
const WS = /[ \t\n\r]*/y;
/** A string's run of plain bytes. */
const PLAIN = /[^"\\\x00-\x1f]*/y;
/** A whole string with valid escapes and no raw control characters. */
const STRING = /"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
/** An escape JSON.stringify would write differently: `\/`, any `\u` (it writes short forms, raw characters, lower-case hex). */
const NON_CANONICAL = /\\[^"\\bfnrt]/;
/** A printable ASCII character: the text is not blank. */
const PRINTABLE = /[!-~]/;
/** Scalars: numbers, true, false, null (JSON.parse checks them exactly). */
const SCALAR = /[-0-9a-z.+E]+/y;

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
  const text = bytes.toString('latin1');
  let scanned: Scanned;
  try {
    scanned = scan(text, bytes, input);
  } catch (err) {
    if (err === FALLBACK || err instanceof SyntaxError) return undefined;
    throw err;
  }
  const parsed = rerankRequestSchema.safeParse({ ...scanned.fields, documents: PLACEHOLDER_DOCUMENTS });
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  const raw = finish(scanned, bytes, text, limits);
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
  readonly escaped: number[];
}

function scan(text: string, bytes: Buffer, input: RawJsonInput): Scanned {
  const fields: Record<string, unknown> = Object.create(null);
  const starts: number[] = [];
  const ends: number[] = [];
  const escaped: number[] = [];
  let seenDocuments = false;
  let i = ws(text, 0);
  if (text.charCodeAt(i) !== 0x7b) throw FALLBACK;
  i = ws(text, i + 1);
  if (text.charCodeAt(i) === 0x7d) throw FALLBACK;
  for (;;) {
    const keyEnd = stringEnd(text, i);
    const key = JSON.parse(bytes.toString('utf8', i, keyEnd)) as string;
    i = ws(text, keyEnd);
    if (text.charCodeAt(i) !== 0x3a) throw FALLBACK;
    i = ws(text, i + 1);
    if (key === 'documents') {
      if (seenDocuments || text.charCodeAt(i) !== 0x5b) throw FALLBACK;
      seenDocuments = true;
      guard(input, starts); // the array itself sits at depth 2
      i = scanDocuments(text, i + 1, starts, ends, escaped);
    } else {
      // The server's guard refuses `__proto__`; the general path gives that answer.
      if (key === '__proto__' || key === 'constructor') throw FALLBACK;
      const end = valueEnd(text, i);
      const value = JSON.parse(bytes.toString('utf8', i, end));
      if (typeof value === 'object' && value !== null) guard(input, value);
      fields[key] = value;
      i = end;
    }
    i = ws(text, i);
    const c = text.charCodeAt(i);
    if (c === 0x7d) break;
    if (c !== 0x2c) throw FALLBACK;
    i = ws(text, i + 1);
  }
  if (ws(text, i + 1) !== text.length || !seenDocuments || starts.length === 0) throw FALLBACK;
  // A JSON.parse duplicate key keeps the last value; an own `constructor` key is a plain field here.
  return { fields: { ...fields }, starts, ends, escaped };
}

/** Documents from just after `[` to just after `]`; any non-string element falls back. */
function scanDocuments(text: string, from: number, starts: number[], ends: number[], escaped: number[]): number {
  let i = ws(text, from);
  if (text.charCodeAt(i) === 0x5d) throw FALLBACK;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) throw FALLBACK;
    PLAIN.lastIndex = i + 1;
    PLAIN.test(text);
    let end = PLAIN.lastIndex;
    if (text.charCodeAt(end) === 0x22) {
      end++;
    } else {
      end = stringEnd(text, i);
      escaped.push(starts.length);
    }
    starts.push(i);
    ends.push(end);
    i = ws(text, end);
    const c = text.charCodeAt(i);
    if (c === 0x5d) return i + 1;
    if (c !== 0x2c) throw FALLBACK;
    i = ws(text, i + 1);
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

function ws(text: string, at: number): number {
  WS.lastIndex = at;
  WS.test(text);
  return WS.lastIndex;
}

/** End (past the closing quote) of the valid JSON string starting at `at`. */
function stringEnd(text: string, at: number): number {
  STRING.lastIndex = at;
  if (!STRING.test(text)) throw FALLBACK;
  return STRING.lastIndex;
}

/** End of the JSON value starting at `at` (JSON.parse of the slice checks it). */
function valueEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === 0x22) return stringEnd(text, at);
  if (c !== 0x7b && c !== 0x5b) {
    SCALAR.lastIndex = at;
    if (!SCALAR.test(text)) throw FALLBACK;
    return SCALAR.lastIndex;
  }
  let depth = 0;
  let i = at;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      i = stringEnd(text, i);
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
function finish(s: Scanned, bytes: Buffer, view: string, limits: RerankLimits): RawStrings {
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
  for (const i of s.escaped) escapedAt[i] = 1;
  const texts: Array<string | undefined> = new Array(n);
  const replaced = new Map<number, Buffer>();
  for (let i = 0; i < n; i++) {
    if (i + 1 < n && starts[i + 1] === ends[i] + 1) joined[i] = 1;
    let text: string | undefined;
    if (escapedAt[i] === 1) {
      text = JSON.parse(bytes.toString('utf8', starts[i], ends[i])) as string;
      texts[i] = text;
      if (NON_CANONICAL.test(view.slice(starts[i], ends[i]))) replaced.set(i, Buffer.from(JSON.stringify(text), 'utf8'));
    }
    const inner = ends[i] - starts[i] - 2;
    const blank = text !== undefined ? text.trim().length === 0 : !PRINTABLE.test(view.slice(starts[i] + 1, ends[i] - 1));
    if (blank && (text ?? (text = bytes.toString('utf8', starts[i] + 1, ends[i] - 1))).trim().length === 0) {
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
