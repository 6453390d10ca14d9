import type { RerankCall, RerankCallResult, RerankDocument } from '../../canonical/rerank.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody, readScoredList, texts } from '../shared/json.js';
import type { HttpCall, HttpRerankCapability, Target, UpstreamReply } from '../types.js';
import { bareModelId, foundationModelArn } from './model-ids.js';
import { runtimePath } from './runtime-path.js';

export type BedrockRerankRoute = 'agent-runtime' | 'invoke-model';

interface RerankFamily {
  /** Whether the model takes Cohere's `max_tokens_per_doc` (amazon.rerank rejects unknown fields). */
  readonly maxTokensPerDoc: boolean;
  /** The model's own InvokeModel body. */
  invokeBody(call: RerankCall): Record<string, unknown>;
}

/** Rerank model families by model-id prefix (docs/protocols.md §3.2, §3.3). */
const FAMILIES: ReadonlyArray<readonly [string, RerankFamily]> = [
  [
    'cohere.rerank',
    {
      maxTokensPerDoc: true,
      // Cohere Rerank 3.5 on Bedrock requires api_version 2.
      invokeBody: (call) => ({
        query: call.query,
        documents: texts(call.documents),
        top_n: call.topN,
        api_version: 2,
        ...(call.maxTokensPerDoc !== undefined ? { max_tokens_per_doc: call.maxTokensPerDoc } : {}),
        ...call.extra,
      }),
    },
  ],
  [
    'amazon.rerank',
    {
      maxTokensPerDoc: false,
      invokeBody: (call) => ({ query: call.query, documents: texts(call.documents), ...call.extra }),
    },
  ],
];

const GENERIC: RerankFamily = {
  maxTokensPerDoc: false,
  invokeBody: (call) => ({ query: call.query, documents: texts(call.documents), ...call.extra }),
};

function familyOf(modelOrArn: string): RerankFamily {
  const id = bareModelId(modelOrArn);
  // Cross-region profiles prefix the id with a geography (`us.cohere.rerank-v3-5:0`).
  const unprefixed = id.replace(/^(us|eu|apac|global|us-gov|ca|jp|au)\./, '');
  return FAMILIES.find(([prefix]) => unprefixed.startsWith(prefix))?.[1] ?? GENERIC;
}

/**
 * Bedrock rerank. By default the Agent Runtime `Rerank` operation (SigV4 only); per model,
 * or when the instance only has a Bedrock API key, the runtime `InvokeModel` with the model's
 * own body. Bedrock reports no usage: one search unit per 100 documents of each call.
 */
export function bedrockRerank(options: { region: string; defaultRoute: BedrockRerankRoute }): HttpRerankCapability {
  return {
    kind: 'http',
    // The gateway truncates (Amazon's model takes no such field); Cohere models also get the field.
    nativeMaxTokensPerDoc: false,
    build(call: RerankCall, target: Target): HttpCall {
      const route = target.options?.bedrockRoute ?? options.defaultRoute;
      const family = familyOf(target.model);
      if (route === 'invoke-model') {
        return { method: 'POST', endpoint: 'runtime', path: runtimePath(target.model, 'invoke'), body: family.invokeBody(call) };
      }
      const additional: Record<string, unknown> = { ...call.extra };
      if (family.maxTokensPerDoc && call.maxTokensPerDoc !== undefined) additional.max_tokens_per_doc = call.maxTokensPerDoc;
      const modelConfiguration: Record<string, unknown> = { modelArn: foundationModelArn(target.model, options.region) };
      if (Object.keys(additional).length > 0) modelConfiguration.additionalModelRequestFields = additional;
      return {
        method: 'POST',
        endpoint: 'agent-runtime',
        path: '/rerank',
        body: {
          queries: [{ type: 'TEXT', textQuery: { text: call.query } }],
          sources: call.documents.map(toSource),
          rerankingConfiguration: {
            type: 'BEDROCK_RERANKING_MODEL',
            bedrockRerankingConfiguration: {
              // Bedrock rejects numberOfResults above the number of sources.
              numberOfResults: Math.max(1, Math.min(call.topN, call.documents.length)),
              modelConfiguration,
            },
          },
        },
      };
    },
    parse(reply: UpstreamReply, call: RerankCall): RerankCallResult {
      const json = parseJsonBody(reply.body, 'bedrock') as Record<string, unknown> | null;
      if (json === null || typeof json !== 'object') throw badResponse('bedrock: body is not an object');
      const list = json.results;
      // Agent Runtime answers camelCase `relevanceScore`; InvokeModel answers the model's snake_case.
      const first = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
      const field = first && 'relevance_score' in first ? 'relevance_score' : 'relevanceScore';
      const scores = readScoredList(list, field, call.documents.length, 'bedrock');
      return { scores, usage: { searchUnits: Math.max(1, Math.ceil(call.documents.length / 100)) } };
    },
  };
}

/** Documents the caller sent as JSON go as JSON sources; everything else as TEXT. */
function toSource(doc: RerankDocument): Record<string, unknown> {
  if (doc.json) return { type: 'INLINE', inlineDocumentSource: { type: 'JSON', jsonDocument: doc.json } };
  return { type: 'INLINE', inlineDocumentSource: { type: 'TEXT', textDocument: { text: doc.text } } };
}
