import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RerankResult } from '../../canonical/rerank.js';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Logger } from '../../observability/log.js';
import { fromFrameworkError } from '../../server/errors.js';
import { logError } from '../../server/proxy.js';
import { renderAwsError } from './errors.js';
import { BedrockModelLookup, lookupFor, type RoutingSource } from './model-lookup.js';
import { parseBedrockRerank } from './parse.js';
import type { OpenApiRegistry } from '../openapi/registry.js';
import { bedrockRerankSchema } from './schema.js';
import { registerKnowledgeBaseRoutes } from './knowledge-bases.js';

export interface BedrockRoutesOptions {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
  readonly logger: Logger;
  /** The models and providers in force now (they change with the database and hot reload). */
  readonly routing?: () => RoutingSource;
}

/** Both rerank paths in the OpenAPI document. Sync: the routes themselves are a plugin. */
export function describeBedrockRerankRoutes(openapi: OpenApiRegistry): void {
  for (const path of ['/rerank', '/bedrock/rerank']) {
    openapi.add({
      method: 'post',
      path,
      server: 'proxy',
      tags: ['bedrock'],
      summary: 'AWS Bedrock Agent Runtime Rerank (native)',
      description:
        'Where an AWS SDK pointed at Rankway sends `Rerank`. Callers authenticate with a Rankway key or AWS SigV4; errors use the AWS rest-json shape with the `x-amzn-ErrorType` header.',
      request: { name: 'BedrockRerankRequest', schema: bedrockRerankSchema },
      sigv4: true,
    });
  }
}

/** The knowledge-base passthrough routes in the OpenAPI document. */
export function describeKnowledgeBaseRoutes(openapi: OpenApiRegistry): void {
  for (const [method, path, summary] of [
    ['post', '/knowledgebases/{knowledgeBaseId}/retrieve', 'Agent Runtime Retrieve (passed through)'],
    ['post', '/retrieveAndGenerate', 'Agent Runtime RetrieveAndGenerate (passed through)'],
    ['post', '/retrieveAndGenerateStream', 'Agent Runtime RetrieveAndGenerateStream (passed through, AWS event stream)'],
    ['post', '/model/{modelId}/retrieveAndGenerate', "RetrieveAndGenerate, Kong's form (model in the path)"],
    ['post', '/model/{modelId}/retrieveAndGenerateStream', "RetrieveAndGenerateStream, Kong's form"],
    ['post', '/model/{modelId}/rerank', "Agent Runtime Rerank, Kong's form"],
  ] as const) {
    openapi.add({
      method,
      path,
      server: 'proxy',
      tags: ['bedrock'],
      summary,
      description:
        "Rankway key or SigV4. The allow-list applies to the knowledge base (`knowledgebase/<id>`) and the generating model (an alias is rewritten to its target ARN); re-signed with the provider's credentials.",
      rawRequest: 'The Agent Runtime request body',
      response: { raw: 'The Agent Runtime answer, passed through', mediaTypes: ['application/json', 'application/vnd.amazon.eventstream'] },
      errors: [400, 403, 404, 429, 502, 503, 504],
      sigv4: true,
    });
  }
}

/**
 * The native Bedrock Agent Runtime rerank API: `POST /rerank` (where an AWS SDK pointed at
 * Rankway sends it) and `POST /bedrock/rerank`. Encapsulated: its own JSON parser keeps the
 * raw body for SigV4, and its own error handler answers AWS rest-json errors.
 */
export async function bedrockRoutes(app: FastifyInstance, options: BedrockRoutesOptions): Promise<void> {
  const fixed = new BedrockModelLookup(options.config);
  const currentLookup: () => BedrockModelLookup = options.routing ? lookupFor(options.routing) : () => fixed;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) return done(new GatewayError('invalid_json', 'Request body is empty; send a JSON object'), undefined);
    try {
      done(null, JSON.parse(body.toString('utf8')));
    } catch {
      done(new GatewayError('invalid_json', 'Request body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    const err = fromFrameworkError(error);
    logError(options.logger, err, request);
    return renderAwsError(err, request, reply);
  });

  const handler = async (request: FastifyRequest) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock';
    const parsed = parseBedrockRerank(request.body);
    const result = await options.rerank.rerank(
      {
        model: currentLookup().resolve(parsed.modelArn),
        query: parsed.query,
        documents: parsed.documents,
        topN: parsed.numberOfResults,
        returnDocuments: false,
        extra: parsed.additionalModelRequestFields,
      },
      ctx,
    );
    return renderBedrockRerank(result);
  };
  // `/model/{modelId}/rerank` is Kong's form of the same call.
  for (const path of ['/rerank', '/bedrock/rerank', '/model/:modelId/rerank']) app.post(path, { config: { sigv4: true } }, handler);
  registerKnowledgeBaseRoutes(app, currentLookup);
}

/** The Agent Runtime response: `{results: [{index, relevanceScore}]}`, best first. */
export function renderBedrockRerank(result: RerankResult): { results: Array<{ index: number; relevanceScore: number }> } {
  return { results: result.results.map((r) => ({ index: r.index, relevanceScore: r.score })) };
}
