import { hash } from 'node:crypto';
import type { RawStrings } from '../../canonical/raw-json.js';
import type { RerankDocument } from '../../canonical/rerank.js';

// One-shot hashing (no Hash object per document): the cheapest SHA-256 Node offers.
const sha256 = (text: string): string => hash('sha256', text, 'base64url');

/**
 * The part of a pair key shared by every document of one request on one target:
 * the resolved `provider/model`, the parameters that change scores (max_tokens_per_doc and
 * model-specific extra fields), and the query hash.
 */
export function keyPrefix(targetLabel: string, params: string, queryHash: string): string {
  return `${targetLabel}|${params}|${queryHash}|`;
}

interface HashedRequest {
  readonly query: string;
  readonly documents: readonly RerankDocument[];
  readonly maxTokensPerDoc?: number;
  readonly extra?: Readonly<Record<string, unknown>>;
  readonly raw?: RawStrings;
}

/**
 * Hashes of a request's query and documents, computed once per request and reused by
 * every target the request falls back to.
 */
export class RequestHashes {
  private docs: string[] | undefined;
  private query: string | undefined;
  private params: string | undefined;

  constructor(private readonly request: HashedRequest) {}

  get queryHash(): string {
    this.query ??= sha256(this.request.query);
    return this.query;
  }

  get documentHashes(): readonly string[] {
    if (!this.docs) {
      const docs = this.request.documents;
      const out = new Array<string>(docs.length);
      const raw = this.request.raw;
      // Raw documents without escapes hash their bytes: the UTF-8 of the text, so the same key.
      for (let i = 0; i < docs.length; i++)
        out[i] = raw && !raw.hasEscapes(i) ? hash('sha256', raw.plainBytes(i), 'base64url') : sha256(docs[i].text);
      this.docs = out;
    }
    return this.docs;
  }

  /** Score-changing parameters, compactly. */
  get paramsKey(): string {
    if (this.params === undefined) {
      const { maxTokensPerDoc, extra } = this.request;
      const hasExtra = extra !== undefined && Object.keys(extra).length > 0;
      this.params = `t${maxTokensPerDoc ?? ''}${hasExtra ? `x${sha256(JSON.stringify(extra))}` : ''}`;
    }
    return this.params;
  }

  /** Full pair keys for one target. */
  keysFor(targetLabel: string): string[] {
    const prefix = keyPrefix(targetLabel, this.paramsKey, this.queryHash);
    const hashes = this.documentHashes;
    const out = new Array<string>(hashes.length);
    for (let i = 0; i < hashes.length; i++) out[i] = prefix + hashes[i];
    return out;
  }
}
