import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget, recordUsage } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { RoutingTable } from '../../core/router.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { baseModelId } from '../../providers/bedrock/families.js';
import { foundationModelArn } from '../../providers/bedrock/model-ids.js';
import type { BedrockModelLookup } from './model-lookup.js';

type Lookup = () => BedrockModelLookup<RoutingTable>;

const KB_ID = /^[0-9a-zA-Z]{1,10}$/;

/** The name a knowledge base has in allow-lists: `knowledgebase/<id>` (globs such as `knowledgebase/*` work). */
export const knowledgeBaseName = (id: string): string => `knowledgebase/${id}`;

function body(request: FastifyRequest): Record<string, any> {
  const b = request.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw invalidRequest('the request body must be a JSON object');
  return b as Record<string, any>;
}

/**
 * Bedrock Agent Runtime knowledge-base calls passed through for AWS SDKs: Retrieve,
 * RetrieveAndGenerate and RetrieveAndGenerateStream (also under Kong's
 * `/model/{modelId}/retrieveAndGenerate(Stream)`). The caller's allow-list applies to the
 * knowledge base (`knowledgebase/<id>`) and to the generating model, which an alias may name
 * (rewritten to its target's ARN); the provider re-signs; the answer comes back unchanged.
 */
export function registerKnowledgeBaseRoutes(app: FastifyInstance, lookup: () => BedrockModelLookup): void {
  const table = lookup as unknown as Lookup;
  const routeOptions = { config: { sigv4: true } };

  const checkKnowledgeBase = (request: FastifyRequest, id: unknown): void => {
    if (typeof id !== 'string' || !KB_ID.test(id))
      throw invalidRequest('knowledgeBaseId must be 1-10 letters or digits', 'knowledgeBaseId');
    const name = knowledgeBaseName(id);
    admit(request.ctx, { requested: name, targets: [{ label: name } as never] });
  };

  async function pass(
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
    doc: Record<string, any>,
    modelId?: string,
  ): Promise<FastifyReply> {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-agent';
    ctx.outcome.operation = 'chat';
    // The model picks the provider (its region); a Retrieve without one goes to the first Bedrock provider.
    const route = table().resolveRuntime(modelId ?? 'amazon.titan-embed-text-v2:0');
    if (modelId !== undefined) admit(ctx, route);
    const target = route.targets[0];
    recordTarget(ctx, target);
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      abort.abort();
      app.settleAbandoned(request, reply);
    });
    const opened = await relay(
      target,
      {
        method: 'POST',
        endpoint: 'agent-runtime',
        path,
        body: doc,
        headers: { accept: String(request.headers.accept ?? 'application/json') },
      },
      ctx,
      abort.signal,
    );
    recordUsage(ctx, target, { inputTokens: 0, outputTokens: 0, searchUnits: 0, queries: 1 });
    for (const name in opened.headers) {
      if (name === 'content-type' || name === 'x-amzn-requestid' || name.startsWith('x-amzn-bedrock-'))
        reply.header(name, opened.headers[name] as string);
    }
    return reply.code(opened.status).send(opened.body);
  }

  /** An alias or bare id in `modelArn` becomes the ARN the target's provider knows. */
  function generationModel(request: FastifyRequest, doc: Record<string, any>, pathModel?: string): string | undefined {
    const config = doc.retrieveAndGenerateConfiguration;
    const holder = config?.knowledgeBaseConfiguration ?? config?.externalSourcesConfiguration;
    const named = holder?.modelArn ?? pathModel;
    if (typeof named !== 'string') return undefined;
    const target = table().resolveRuntime(named).targets[0];
    const region = (target.provider.config as { region?: string }).region ?? 'us-east-1';
    // Inference-profile ids (`us.anthropic...`) and ARNs go as they are; a foundation-model id becomes its ARN.
    const arn =
      target.model.startsWith('arn:') || baseModelId(target.model) !== target.model
        ? target.model
        : foundationModelArn(target.model, region);
    if (holder) holder.modelArn = arn;
    if (config?.knowledgeBaseConfiguration) checkKnowledgeBase(request, config.knowledgeBaseConfiguration.knowledgeBaseId);
    return named;
  }

  app.post<{ Params: { kbId: string } }>('/knowledgebases/:kbId/retrieve', routeOptions, async (request, reply) => {
    checkKnowledgeBase(request, request.params.kbId);
    return pass(request, reply, `/knowledgebases/${encodeURIComponent(request.params.kbId)}/retrieve`, body(request));
  });

  for (const [path, upstream] of [
    ['/retrieveAndGenerate', '/retrieveAndGenerate'],
    ['/retrieveAndGenerateStream', '/retrieveAndGenerateStream'],
  ] as const) {
    app.post(path, routeOptions, async (request, reply) => {
      const doc = body(request);
      const model = generationModel(request, doc);
      return pass(request, reply, upstream, doc, model);
    });
    // Kong's form: the model in the path.
    app.post<{ Params: { modelId: string } }>(`/model/:modelId${path}`, routeOptions, async (request, reply) => {
      const doc = body(request);
      const model = generationModel(request, doc, request.params.modelId);
      return pass(request, reply, upstream, doc, model);
    });
  }
}
