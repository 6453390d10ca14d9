import type { RerankDocument } from '../../canonical/rerank.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { bedrockRerankSchema } from './schema.js';

/** A native Bedrock rerank request, validated, before its model is routed. */
export interface ParsedBedrockRerank {
  readonly modelArn: string;
  readonly query: string;
  readonly documents: readonly RerankDocument[];
  readonly numberOfResults?: number;
  readonly additionalModelRequestFields?: Readonly<Record<string, unknown>>;
}

/** Validates like the real service, with its "Value at 'x' failed to satisfy constraint" wording. */
export function parseBedrockRerank(body: unknown): ParsedBedrockRerank {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Request body must be a JSON object');
  const parsed = bedrockRerankSchema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const first = issues[0];
    const path = first.path.map((k, i) => (typeof k === 'number' ? `.${k + 1}.member` : i === 0 ? String(k) : `.${String(k)}`)).join('');
    const message =
      first.code === 'invalid_type'
        ? first.message.endsWith('received undefined') || first.message.endsWith('received null')
          ? 'Member must not be null'
          : `Member must be of type ${first.expected}`
        : first.code === 'invalid_value' || first.code === 'invalid_union'
          ? `Member must satisfy enum value set: ${first.code === 'invalid_value' ? JSON.stringify(first.values) : 'see the API reference'}`
          : first.message;
    throw invalidRequest(
      `${issues.length} validation error${issues.length > 1 ? 's' : ''} detected: Value at '${path}' failed to satisfy constraint: ${message}`,
      path || null,
    );
  }
  const b = parsed.data;
  const config = b.rerankingConfiguration.bedrockRerankingConfiguration;
  if (b.nextToken !== undefined) throw invalidRequest('nextToken is not valid here: Rankway returns every result in one page', 'nextToken');
  // The real service rejects this rather than clamping; Rankway answers the same way.
  if (config.numberOfResults !== undefined && config.numberOfResults > b.sources.length) {
    throw invalidRequest('The numberOfResults should be less than or equal to the number of sources provided.', 'numberOfResults');
  }
  const documents = b.sources.map((s): RerankDocument => {
    const inline = s.inlineDocumentSource;
    if (inline.type === 'TEXT') return { text: inline.textDocument.text, source: inline.textDocument.text };
    const value = inline.jsonDocument;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const isObject = value !== null && typeof value === 'object' && !Array.isArray(value);
    return isObject ? { text, source: value as Record<string, unknown>, json: value as Record<string, unknown> } : { text, source: text };
  });
  return {
    modelArn: config.modelConfiguration.modelArn,
    query: b.queries[0].textQuery.text,
    documents,
    numberOfResults: config.numberOfResults,
    additionalModelRequestFields: config.modelConfiguration.additionalModelRequestFields,
  };
}
