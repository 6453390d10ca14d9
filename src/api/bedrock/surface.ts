import type { RerankResult } from '../../canonical/rerank.js';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import type { RoutingTable } from '../../core/router.js';
import { defineSurface, type SurfaceRoute } from '../surface.js';
import { awsErrors } from './errors.js';
import { knowledgeBaseRoutes } from './knowledge-bases.js';
import { lookupOf } from './model-lookup.js';
import { parseBedrockRerank } from './parse.js';
import { bedrockRerankSchema } from './schema.js';

export interface BedrockSurfaceDeps {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
  /** The models and providers in force now (they change with the database and hot reload). */
  readonly routing: () => RoutingTable;
}

const RERANK_DESCRIPTION =
  'Where an AWS SDK pointed at Rankway sends `Rerank`. Callers authenticate with a Rankway key or AWS SigV4; errors use the AWS rest-json shape with the `x-amzn-ErrorType` header.';

/** Agent Runtime Rerank at one of the paths AWS SDKs and Kong send it to. */
function rerankRoute(path: string, summary: string): SurfaceRoute<BedrockSurfaceDeps> {
  return {
    method: 'post',
    path,
    doc: {
      summary,
      description: RERANK_DESCRIPTION,
      request: { name: 'BedrockRerankRequest', schema: bedrockRerankSchema },
      errors: [400, 403, 404, 413, 429, 502, 503, 504],
    },
    handler:
      ({ rerank, routing }) =>
      async (request) => {
        const ctx = request.ctx;
        ctx.surface = 'bedrock';
        const parsed = parseBedrockRerank(request.body);
        const result = await rerank.rerank(
          {
            model: lookupOf(routing()).resolve(parsed.modelArn),
            query: parsed.query,
            documents: parsed.documents,
            topN: parsed.numberOfResults,
            returnDocuments: false,
            extra: parsed.additionalModelRequestFields,
          },
          ctx,
        );
        return renderBedrockRerank(result);
      },
  };
}

/**
 * The native Bedrock Agent Runtime API: Rerank at `POST /rerank` (where an AWS SDK pointed at
 * Rankway sends it), `POST /bedrock/rerank` and Kong's `POST /model/{modelId}/rerank`, and the
 * knowledge-base calls. Bodies are JSON whatever their content type (AWS SDKs label them their
 * own way) and their bytes are kept for SigV4; errors answer in the AWS rest-json shape.
 */
export const bedrockSurface = defineSurface<BedrockSurfaceDeps>({
  name: 'bedrock',
  listener: 'proxy',
  body: { kind: 'json', anyType: true, keepRaw: true },
  auth: 'key-or-sigv4',
  errors: awsErrors,
  tags: ['bedrock'],
  routes: [
    rerankRoute('/rerank', 'AWS Bedrock Agent Runtime Rerank (native)'),
    rerankRoute('/bedrock/rerank', 'AWS Bedrock Agent Runtime Rerank (native)'),
    rerankRoute('/model/:modelId/rerank', "Agent Runtime Rerank, Kong's form"),
    ...knowledgeBaseRoutes,
  ],
});

/** The Agent Runtime response: `{results: [{index, relevanceScore}]}`, best first. */
export function renderBedrockRerank(result: RerankResult): { results: Array<{ index: number; relevanceScore: number }> } {
  return { results: result.results.map((r) => ({ index: r.index, relevanceScore: r.score })) };
}
