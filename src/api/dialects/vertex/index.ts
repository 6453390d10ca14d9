import { z } from 'zod';
import type { RerankDocument, RerankRequest, RerankResult } from '../../../canonical/rerank.js';
import { coded, invalidRequest } from '../../../errors/gateway-error.js';
import type { RerankLimits } from '../../rerank/parse.js';
import { rerankRequestSchema } from '../../rerank/schema.js';
import { limitCount, limitsOf, parseWith, rankedList, dialectSurface, type DialectRoute } from '../shared.js';

const recordSchema = z.looseObject({
  id: z.string({ error: 'id must be a string' }),
  title: z.string({ error: 'title must be a string' }).optional(),
  content: z.string({ error: 'content must be a string' }).optional(),
});

/** The Discovery Engine rank body (proto3 JSON, lowerCamelCase). */
export const vertexRequestSchema = z.looseObject({
  model: z.string({ error: 'model must be a string' }).optional(),
  query: rerankRequestSchema.shape.query,
  records: rankedList('records', recordSchema),
  topN: z.number({ error: 'topN must be an integer' }).int('topN must be an integer').optional(),
  ignoreRecordDetailsInResponse: z.boolean({ error: 'ignoreRecordDetailsInResponse must be a boolean' }).optional(),
  userLabels: z.record(z.string(), z.string()).optional(),
  cache: rerankRequestSchema.shape.cache,
});

export interface VertexRequest {
  readonly canonical: RerankRequest;
  readonly ignoreDetails: boolean;
}

/**
 * Records become documents ranked on `content` (or `title` when there is no content);
 * the title travels as `meta.title` so a Vertex upstream receives it again.
 */
export function parseVertex(body: unknown, defaultModel: string | undefined, limits: RerankLimits): VertexRequest {
  const b = parseWith(vertexRequestSchema, body);
  const model = b.model || defaultModel;
  if (!model) throw invalidRequest('model is required for rerank: send model or configure dialects.vertex.model', 'model');
  limitCount('records', b.records.length, limits);
  const documents: RerankDocument[] = b.records.map((r, i) => {
    const text = r.content || r.title || '';
    if (text.trim() === '') throw invalidRequest(`records[${i}] needs a title or content`, `records[${i}]`);
    if (text.length > limits.maxDocumentChars) {
      throw invalidRequest(`records[${i}] has ${text.length} characters; the maximum is ${limits.maxDocumentChars}`, `records[${i}]`);
    }
    return { text, id: r.id, meta: r.title ? { title: r.title } : undefined, source: r };
  });
  return {
    canonical: {
      model,
      query: b.query,
      documents,
      // topN <= 0 or unset means every record.
      topN: b.topN !== undefined && b.topN > 0 ? b.topN : undefined,
      returnDocuments: true,
      cache: b.cache,
    },
    ignoreDetails: b.ignoreRecordDetailsInResponse ?? false,
  };
}

/** `{records: [{id, title?, content?, score}]}`, best first. */
export function renderVertex(result: RerankResult, ignoreDetails: boolean): Record<string, unknown> {
  return {
    records: result.results.map((r) => {
      const source = r.document?.source as { id: string; title?: string; content?: string };
      if (ignoreDetails) return { id: source.id, score: r.score };
      const out: Record<string, unknown> = { id: source.id };
      if (source.title) out.title = source.title;
      if (source.content) out.content = source.content;
      out.score = r.score;
      return out;
    }),
  };
}

/** Google's canonical status names by HTTP status. */
export function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

const RANK_PATH = '/projects/{project}/locations/{location}/rankingConfigs/{rankingConfig}:rank';

function vertexRoute(version: string): DialectRoute {
  return {
    // `:rank` is a custom method suffix, not a route parameter: match the segment and check it.
    path: `/${version}/projects/:project/locations/:location/rankingConfigs/:method`,
    // One documented path; the v1alpha and v1beta spellings are the same call.
    docPath: version === 'v1' ? `/vertex/${version}${RANK_PATH}` : false,
    vendor: 'Google Vertex AI ranking',
    request: { name: 'VertexRankRequest', schema: vertexRequestSchema },
    handler: ({ config, rerank }) => {
      const limits = limitsOf(config);
      return async (request) => {
        const { method } = request.params as { method: string };
        if (!method.endsWith(':rank') || method.length === ':rank'.length) {
          throw coded('route_not_found', { method: 'POST', path: request.url.split('?')[0] });
        }
        request.ctx.surface = 'vertex';
        const vertex = parseVertex(request.body, config.dialects.vertex.model, limits);
        return renderVertex(await rerank.rerank(vertex.canonical, request.ctx), vertex.ignoreDetails);
      };
    },
  };
}

/**
 * `/vertex/{v1,v1alpha,v1beta}/projects/{p}/locations/{l}/rankingConfigs/{c}:rank`: the
 * Discovery Engine rank API. The path's project, location and config are accepted as given;
 * the model comes from the body's `model`, else `dialects.vertex.model`.
 */
export const vertexSurface = dialectSurface({
  name: 'vertex',
  prefix: '/vertex',
  errorsText: '`{"error": {"code", "message", "status"}}`; `v1alpha` and `v1beta` paths are served too',
  render: (err) => ({ error: { code: err.status, message: err.message, status: googleStatus(err.status) } }),
  routes: ['v1', 'v1alpha', 'v1beta'].map(vertexRoute),
});
