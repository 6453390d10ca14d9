/**
 * A caller's string documents kept as the JSON text they arrived in: each document is a
 * span of the inbound body's bytes (quotes included) that is already exactly what
 * `JSON.stringify` of its text would write. Providers that send the text unchanged splice
 * these bytes into their upstream body instead of decoding and re-encoding every document.
 * A document whose escapes `JSON.stringify` would write differently (`\u0041`, `\/`, an
 * upper-case `\uD800`) carries its re-encoded bytes instead, so the spliced body is
 * byte-identical to the general path's.
 */
export class RawStrings {
  /** Decoded texts, filled on first use (and at parse time for documents with escapes). */
  private readonly texts: Array<string | undefined>;

  constructor(
    /** The inbound body; never modified. */
    readonly bytes: Buffer,
    /** Offset of each document's opening quote. */
    readonly starts: Int32Array,
    /** Offset just past each document's closing quote. */
    readonly ends: Int32Array,
    /** 1 when document i and i+1 are separated by exactly one `,` (so a run of them is one copy). */
    readonly joined: Uint8Array,
    /** Canonical re-encodings (quotes included) of documents whose bytes are not canonical. */
    readonly replaced: ReadonlyMap<number, Buffer>,
    /** 1 for documents whose bytes hold escapes. */
    private readonly escapedAt: Uint8Array,
    /** Texts already decoded while parsing (documents with escapes); the rest decode on first use. */
    texts: Array<string | undefined>,
  ) {
    this.texts = texts;
  }

  get length(): number {
    return this.starts.length;
  }

  /** True when the document's bytes had escapes (its text is not simply the bytes between the quotes). */
  hasEscapes(i: number): boolean {
    return this.escapedAt[i] === 1;
  }

  /** The decoded text of document `i`. */
  text(i: number): string {
    let t = this.texts[i];
    if (t === undefined) {
      // No escapes: the text is the bytes between the quotes.
      t = this.bytes.toString('utf8', this.starts[i] + 1, this.ends[i] - 1);
      this.texts[i] = t;
    }
    return t;
  }

  /** Document `i`'s JSON text as bytes (quotes included). */
  json(i: number): Buffer {
    return this.replaced.get(i) ?? this.bytes.subarray(this.starts[i], this.ends[i]);
  }

  /** Document `i`'s JSON text as a string (quotes included). */
  jsonString(i: number): string {
    const r = this.replaced.get(i);
    return r ? r.toString('utf8') : this.bytes.toString('utf8', this.starts[i], this.ends[i]);
  }

  /** The UTF-8 of document `i`'s text, for a document without escapes (the bytes between its quotes). */
  plainBytes(i: number): Buffer {
    return this.bytes.subarray(this.starts[i] + 1, this.ends[i] - 1);
  }

  /** One document as a canonical `RerankDocument`: its text is decoded only if someone reads it. */
  document(i: number): RawDocument {
    return new RawDocument(this, i);
  }
}

/** A string document carried as raw JSON; `text` and `source` decode lazily. */
export class RawDocument {
  constructor(
    readonly raw: RawStrings,
    readonly rawIndex: number,
  ) {}

  get text(): string {
    return this.raw.text(this.rawIndex);
  }

  get source(): string {
    return this.raw.text(this.rawIndex);
  }
}

/** Documents of one upstream call, by their position in a `RawStrings`. */
export interface RawSelection {
  readonly raw: RawStrings;
  /** Positions in `raw`, in the call's order. */
  readonly indices: ArrayLike<number>;
}

/**
 * An upstream JSON body written by concatenation: `head`, the selected documents' JSON texts
 * joined by `,`, then `tail`. Equal, byte for byte, to `JSON.stringify` of the same body with
 * the documents' texts in place.
 */
export interface SplicedJson {
  readonly kind: 'spliced-json';
  readonly head: string;
  readonly documents: RawSelection;
  readonly tail: string;
}

export const isSplicedJson = (body: unknown): body is SplicedJson =>
  typeof body === 'object' && body !== null && (body as { kind?: unknown }).kind === 'spliced-json';

const COMMA = 0x2c;

/**
 * The bytes of a spliced body: one allocation, and one copy per run of documents that sat
 * next to each other in the inbound body (usually the whole chunk).
 */
export function splicedBytes(body: SplicedJson): Buffer {
  const { raw, indices } = body.documents;
  const head = Buffer.from(body.head, 'utf8');
  const tail = Buffer.from(body.tail, 'utf8');
  const n = indices.length;
  let size = head.length + tail.length + Math.max(0, n - 1);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    const r = raw.replaced.get(i);
    size += r ? r.length : raw.ends[i] - raw.starts[i];
  }
  const out = Buffer.allocUnsafe(size);
  let at = head.copy(out, 0);
  const src = raw.bytes;
  let k = 0;
  while (k < n) {
    if (k > 0) out[at++] = COMMA;
    const i = indices[k];
    const r = raw.replaced.get(i);
    if (r) {
      at += r.copy(out, at);
      k++;
      continue;
    }
    // Extend the run while the next selected document is the next one in the body, right after a single comma.
    let last = i;
    while (k + 1 < n && indices[k + 1] === last + 1 && raw.joined[last] === 1 && !raw.replaced.has(last + 1)) {
      last++;
      k++;
    }
    at += src.copy(out, at, raw.starts[i], raw.ends[last]);
    k++;
  }
  at += tail.copy(out, at);
  return at === size ? out : out.subarray(0, at);
}

/**
 * Head and tail around a documents array, such that head + documents + tail equals
 * `JSON.stringify({...before, [key]: documents, ...after})` (JSON.stringify writes no spaces
 * and drops undefined values, which this follows).
 */
export function spliceAround(
  before: Readonly<Record<string, unknown>>,
  key: string,
  after: Readonly<Record<string, unknown>>,
  documents: RawSelection,
): SplicedJson {
  const b = JSON.stringify(before);
  const a = JSON.stringify(after);
  const head = `${b.length > 2 ? `${b.slice(0, -1)},` : '{'}${JSON.stringify(key)}:[`;
  const tail = `]${a.length > 2 ? `,${a.slice(1)}` : '}'}`;
  return { kind: 'spliced-json', head, documents, tail };
}

const COMMA_BYTES = Buffer.from(',');

/**
 * The same bytes as `splicedBytes`, as pieces that point into the caller's body (no copy):
 * head, one piece per run of adjacent documents, tail. For large bodies, where copying
 * megabytes into a fresh buffer costs more than writing a few pieces to the socket.
 */
export function splicedChunks(body: SplicedJson): Buffer[] {
  const { raw, indices } = body.documents;
  const out: Buffer[] = [Buffer.from(body.head, 'utf8')];
  const n = indices.length;
  let k = 0;
  while (k < n) {
    if (k > 0) out.push(COMMA_BYTES);
    const i = indices[k];
    const r = raw.replaced.get(i);
    if (r) {
      out.push(r);
      k++;
      continue;
    }
    let last = i;
    while (k + 1 < n && indices[k + 1] === last + 1 && raw.joined[last] === 1 && !raw.replaced.has(last + 1)) {
      last++;
      k++;
    }
    out.push(raw.bytes.subarray(raw.starts[i], raw.ends[last]));
    k++;
  }
  out.push(Buffer.from(body.tail, 'utf8'));
  return out;
}
