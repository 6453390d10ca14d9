import type { FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { ResolvedTarget, RoutingTable } from '../../core/router.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { jobPath } from '../../providers/bedrock/batch-jobs.js';
import { CONTROL } from '../../providers/bedrock/index.js';
import type { HttpCall } from '../../providers/types.js';
import { readBody } from '../../transport/http-client.js';
import { lookupOf, type BedrockModelLookup } from '../bedrock/model-lookup.js';
import { checkJsonValue } from '../json-body.js';
import type { SurfaceRoute } from '../surface.js';
import { abortOnClose, jsonOf, readJson } from './passthrough-io.js';
import type { RuntimeSurfaceDeps } from './surface.js';

type Lookup = () => BedrockModelLookup<RoutingTable>;

/** Whether the caller may use the model a job names (what the allow-list is checked against). */
function allowed(request: FastifyRequest, lookup: Lookup, modelId: unknown): boolean {
  if (typeof modelId !== 'string') return false;
  try {
    admit(request.ctx, lookup().resolveRuntime(modelId));
    return true;
  } catch {
    return false;
  }
}

const DOC = {
  errors: [400, 403, 404, 429, 502, 503],
  response: { raw: 'The Bedrock control-plane answer, passed through', mediaTypes: ['application/json'] },
} as const;

// A job ARN names its region, which picks the Bedrock provider; a job name goes to the first one.
const targetFor = (lookup: Lookup, idOrArn: string): ResolvedTarget =>
  lookup().resolveRuntime(idOrArn.startsWith('arn:') ? idOrArn : 'amazon.nova-lite-v1:0').targets[0];

/** GetModelInvocationJob, with the allow-list applied to the job's model. */
async function getJob(
  lookup: Lookup,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
): Promise<{ target: ResolvedTarget; doc: Record<string, any> }> {
  const target = targetFor(lookup, id);
  recordTarget(request.ctx, target);
  const { doc } = await readJson(target, { method: 'GET', endpoint: CONTROL, path: jobPath(id) }, request, abortOnClose(request, reply));
  if (typeof doc.modelId !== 'string') throw new GatewayError('upstream_bad_response', 'GetModelInvocationJob answer without modelId');
  admit(request.ctx, lookup().resolveRuntime(doc.modelId));
  return { target, doc };
}

/**
 * The Bedrock control plane's model invocation jobs passed through for AWS SDKs
 * (`@aws-sdk/client-bedrock` with only the endpoint changed): CreateModelInvocationJob
 * (`POST /model-invocation-job`, the allow-list applied to `modelId`, which is rewritten to the
 * alias's target), GetModelInvocationJob and StopModelInvocationJob (`/model-invocation-job/{id}`,
 * the allow-list applied to the job's model) and ListModelInvocationJobs (only jobs of models the
 * caller may use are listed). Re-signed for the provider's control endpoint.
 */
export const invocationJobRoutes: readonly SurfaceRoute<RuntimeSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/model-invocation-job',
    doc: {
      ...DOC,
      summary: 'CreateModelInvocationJob (AWS Bedrock control plane, passed through)',
      description: '`modelId` is a Rankway model served by a Bedrock provider (rewritten to its target); the allow-list applies.',
      rawRequest: 'The CreateModelInvocationJob request body',
    },
    handler: ({ config, routing }) => {
      const maxDepth = config.server.max_json_depth;
      const lookup: Lookup = () => lookupOf(routing());
      return async (request, reply) => {
        const ctx = request.ctx;
        ctx.surface = 'bedrock-control';
        const body = jsonOf(request.body, maxDepth);
        if (typeof body.modelId !== 'string' || body.modelId === '') throw invalidRequest('modelId is required', 'modelId');
        const route = lookup().resolveRuntime(body.modelId);
        admit(ctx, route);
        const target = route.targets[0];
        recordTarget(ctx, target);
        const { status, doc } = await readJson(
          target,
          { method: 'POST', endpoint: CONTROL, path: '/model-invocation-job', body: { ...body, modelId: target.model } },
          request,
          abortOnClose(request, reply),
        );
        return reply.code(status).send(doc);
      };
    },
  },
  {
    method: 'get',
    path: '/model-invocation-job/:jobIdentifier',
    doc: { ...DOC, summary: 'GetModelInvocationJob (passed through; the allow-list applies to the job model)' },
    handler: ({ routing }) => {
      const lookup: Lookup = () => lookupOf(routing());
      return async (request, reply) => {
        request.ctx.surface = 'bedrock-control';
        const { jobIdentifier } = request.params as { jobIdentifier: string };
        const { doc } = await getJob(lookup, request, reply, jobIdentifier);
        return reply.code(200).send(doc);
      };
    },
  },
  {
    method: 'post',
    path: '/model-invocation-job/:jobIdentifier/stop',
    doc: { ...DOC, summary: 'StopModelInvocationJob (passed through)' },
    handler: ({ routing }) => {
      const lookup: Lookup = () => lookupOf(routing());
      return async (request, reply) => {
        request.ctx.surface = 'bedrock-control';
        const { jobIdentifier } = request.params as { jobIdentifier: string };
        // Read first, so a job of a model the caller may not use cannot be stopped.
        const { target } = await getJob(lookup, request, reply, jobIdentifier);
        const { status, doc } = await readJson(
          target,
          { method: 'POST', endpoint: CONTROL, path: `${jobPath(jobIdentifier)}/stop` },
          request,
          abortOnClose(request, reply),
        );
        return reply.code(status).send(doc);
      };
    },
  },
  {
    method: 'get',
    path: '/model-invocation-jobs',
    doc: { ...DOC, summary: 'ListModelInvocationJobs (only jobs of models the caller may use)' },
    handler: ({ routing }) => {
      const lookup: Lookup = () => lookupOf(routing());
      return async (request, reply) => {
        request.ctx.surface = 'bedrock-control';
        const query = new URLSearchParams(request.query as Record<string, string>).toString();
        const target = targetFor(lookup, '');
        recordTarget(request.ctx, target);
        const { status, doc } = await readJson(
          target,
          { method: 'GET', endpoint: CONTROL, path: query ? `/model-invocation-jobs?${query}` : '/model-invocation-jobs' },
          request,
          abortOnClose(request, reply),
        );
        const list = Array.isArray(doc.invocationJobSummaries) ? doc.invocationJobSummaries : [];
        doc.invocationJobSummaries = list.filter((s: { modelId?: unknown }) => allowed(request, lookup, s.modelId));
        return reply.code(status).send(doc);
      };
    },
  },
];
