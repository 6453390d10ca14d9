import type { z } from 'zod';
import type { RerankDocument, RerankRequest } from '../../canonical/rerank.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { rerankRequestSchema } from './schema.js';

export interface RerankLimits {
  readonly maxDocuments: number;
  readonly maxDocumentChars: number;
}

/** Validates a unified (Cohere-shaped) rerank body into the canonical request. */
export function parseRerankBody(body: unknown, limits: RerankLimits): RerankRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('request body must be a JSON object');
  }
  const parsed = rerankRequestSchema.safeParse(body);
  if (!parsed.success) throw fromZod(parsed.error);
  const b = parsed.data;
  if (b.documents.length > limits.maxDocuments) {
    throw new GatewayError('too_many_documents', `documents has ${b.documents.length} items; the maximum is ${limits.maxDocuments}`, {
      param: 'documents',
    });
  }
  const documents = toDocuments(b.documents, b.rank_fields, limits.maxDocumentChars);
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
  };
}

/** Strings and objects into canonical documents; objects without `text` use `rank_fields`. */
export function toDocuments(
  items: ReadonlyArray<string | Record<string, unknown>>,
  rankFields: readonly string[] | undefined,
  maxChars: number,
): RerankDocument[] {
  const out: RerankDocument[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    let doc: RerankDocument;
    if (typeof item === 'string') {
      doc = { text: item, source: item };
    } else {
      const text = documentText(item, rankFields);
      const id = item.id === undefined ? undefined : String(item.id);
      const meta = item.meta as Record<string, unknown> | undefined;
      doc = { text, id, meta, source: item, json: rankFields && rankFields.length > 0 ? pick(item, rankFields) : undefined };
    }
    if (doc.text.trim().length === 0) throw invalidRequest(`document text is required for rerank at index ${i}`, `documents[${i}]`);
    if (doc.text.length > maxChars) {
      throw invalidRequest(`document at index ${i} has ${doc.text.length} characters; the maximum is ${maxChars}`, `documents[${i}]`);
    }
    out[i] = doc;
  }
  return out;
}

function documentText(item: Record<string, unknown>, rankFields: readonly string[] | undefined): string {
  if (rankFields && rankFields.length > 0) {
    // Cohere v1: rank on the named fields, in order.
    const parts: string[] = [];
    for (const field of rankFields) {
      const v = item[field];
      if (v === undefined || v === null) continue;
      parts.push(rankFields.length === 1 ? stringify(v) : `${field}: ${stringify(v)}`);
    }
    return parts.join('\n');
  }
  return typeof item.text === 'string' ? item.text : '';
}

/** The named fields of an object, for rerankers that rank JSON documents themselves. */
function pick(item: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (item[f] !== undefined && item[f] !== null) out[f] = item[f];
  return out;
}

const stringify = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** The first zod issue as a caller-facing error with its parameter path. */
export function fromZod(error: z.ZodError): GatewayError {
  const issue = error.issues[0];
  const param = issue.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
  let message = issue.message;
  if (issue.code === 'invalid_union' && param.startsWith('documents[')) {
    message = `${param} must be a string or an object with a text field`;
  } else if (issue.code === 'invalid_type' && !message.includes(' ')) {
    message = `${param}: ${message}`;
  } else if (message.startsWith('Invalid') || message.startsWith('Too ') || message.startsWith('Expected')) {
    message = `${param}: ${message}`;
  }
  return invalidRequest(message, param || null);
}
