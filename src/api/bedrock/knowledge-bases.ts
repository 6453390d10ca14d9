import type { FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget, recordUsage } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { RoutingTable } from '../../core/router.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { baseModelId } from '../../providers/bedrock/families.js';
import { foundationModelArn } from '../../providers/bedrock/model-ids.js';
import type { SurfaceRoute } from '../surface.js';
import { lookupOf, type BedrockModelLookup } from './model-lookup.js';
import type { BedrockSurfaceDeps } from './surface.js';

type Lookup = BedrockModelLookup<RoutingTable>;

const KB_ID = /^[0-9a-zA-Z]{1,10}$/;

/** The name a knowledge base has in allow-lists: `knowledgebase/<id>` (globs such as `knowledgebase/*` work). */
export const knowledgeBaseName = (id: string): string => `knowledgebase/${id}`;

function body(request: FastifyRequest): Record<string, any> {
  const b = request.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) throw invalidRequest('the request body must be a JSON object');
  return b as Record<string, any>;
}

function checkKnowledgeBase(request: FastifyRequest, id: unknown): void {
  if (typeof id !== 'string' || !KB_ID.test(id)) throw invalidRequest('knowledgeBaseId must be 1-10 letters or digits', 'knowledgeBaseId');
  const name = knowledgeBaseName(id);
  admit(request.ctx, { requested: name, targets: [{ label: name } as never] });
}

/** Relays one knowledge-base call on the provider the model picks, and pipes the answer back. */
async function pass(
  lookup: Lookup,
  request: FastifyRequest,
  reply: FastifyReply,
  call: { readonly path: string; readonly doc: Record<string, any>; readonly modelId?: string },
): Promise<FastifyReply> {
  const ctx = request.ctx;
  ctx.surface = 'bedrock-agent';
  ctx.outcome.operation = 'chat';
  // The model picks the provider (its region); a Retrieve without one goes to the first Bedrock provider.
  const route = lookup.resolveRuntime(call.modelId ?? 'amazon.titan-embed-text-v2:0');
  if (call.modelId !== undefined) admit(ctx, route);
  const target = route.targets[0];
  recordTarget(ctx, target);
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) return;
    abort.abort();
    request.server.settleAbandoned(request, reply);
  });
  const opened = await relay(
    target,
    {
      method: 'POST',
      endpoint: 'agent-runtime',
      path: call.path,
      body: call.doc,
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
function generationModel(lookup: Lookup, request: FastifyRequest, doc: Record<string, any>, pathModel?: string): string | undefined {
  const config = doc.retrieveAndGenerateConfiguration;
  const holder = config?.knowledgeBaseConfiguration ?? config?.externalSourcesConfiguration;
  const named = holder?.modelArn ?? pathModel;
  if (typeof named !== 'string') return undefined;
  const target = lookup.resolveRuntime(named).targets[0];
  const region = (target.provider.config as { region?: string }).region ?? 'us-east-1';
  // Inference-profile ids (`us.anthropic...`) and ARNs go as they are; a foundation-model id becomes its ARN.
  const arn =
    target.model.startsWith('arn:') || baseModelId(target.model) !== target.model ? target.model : foundationModelArn(target.model, region);
  if (holder) holder.modelArn = arn;
  if (config?.knowledgeBaseConfiguration) checkKnowledgeBase(request, config.knowledgeBaseConfiguration.knowledgeBaseId);
  return named;
}

const KB_DOC = {
  description:
    "Rankway key or SigV4. The allow-list applies to the knowledge base (`knowledgebase/<id>`) and the generating model (an alias is rewritten to its target ARN); re-signed with the provider's credentials.",
  rawRequest: 'The Agent Runtime request body',
  response: { raw: 'The Agent Runtime answer, passed through', mediaTypes: ['application/json', 'application/vnd.amazon.eventstream'] },
  errors: [400, 403, 404, 429, 502, 503, 504],
} as const;

/** RetrieveAndGenerate(Stream), and Kong's form of it with the model in the path. */
function generateRoutes(path: '/retrieveAndGenerate' | '/retrieveAndGenerateStream', summary: string): SurfaceRoute<BedrockSurfaceDeps>[] {
  return [
    {
      method: 'post',
      path,
      doc: { ...KB_DOC, summary: `Agent Runtime ${summary} (passed through${path.endsWith('Stream') ? ', AWS event stream' : ''})` },
      handler:
        ({ routing }) =>
        async (request, reply) => {
          const lookup = lookupOf(routing());
          const doc = body(request);
          return pass(lookup, request, reply, { path, doc, modelId: generationModel(lookup, request, doc) });
        },
    },
    {
      method: 'post',
      path: `/model/:modelId${path}`,
      doc: { ...KB_DOC, summary: `${summary}, Kong's form${path.endsWith('Stream') ? '' : ' (model in the path)'}` },
      handler:
        ({ routing }) =>
        async (request, reply) => {
          const lookup = lookupOf(routing());
          const doc = body(request);
          const { modelId } = request.params as { modelId: string };
          return pass(lookup, request, reply, { path, doc, modelId: generationModel(lookup, request, doc, modelId) });
        },
    },
  ];
}

/**
 * Bedrock Agent Runtime knowledge-base calls passed through for AWS SDKs: Retrieve,
 * RetrieveAndGenerate and RetrieveAndGenerateStream (also under Kong's
 * `/model/{modelId}/retrieveAndGenerate(Stream)`). The caller's allow-list applies to the
 * knowledge base (`knowledgebase/<id>`) and to the generating model, which an alias may name
 * (rewritten to its target's ARN); the provider re-signs; the answer comes back unchanged.
 */
export const knowledgeBaseRoutes: readonly SurfaceRoute<BedrockSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/knowledgebases/:knowledgeBaseId/retrieve',
    doc: { ...KB_DOC, summary: 'Agent Runtime Retrieve (passed through)' },
    handler:
      ({ routing }) =>
      async (request, reply) => {
        const { knowledgeBaseId: id } = request.params as { knowledgeBaseId: string };
        checkKnowledgeBase(request, id);
        return pass(lookupOf(routing()), request, reply, {
          path: `/knowledgebases/${encodeURIComponent(id)}/retrieve`,
          doc: body(request),
        });
      },
  },
  ...generateRoutes('/retrieveAndGenerate', 'RetrieveAndGenerate'),
  ...generateRoutes('/retrieveAndGenerateStream', 'RetrieveAndGenerateStream'),
];
