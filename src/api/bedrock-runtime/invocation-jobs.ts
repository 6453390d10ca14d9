import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { ResolvedTarget, RoutingTable } from '../../core/router.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { jobPath } from '../../providers/bedrock/batch-jobs.js';
import { CONTROL } from '../../providers/bedrock/index.js';
import type { HttpCall } from '../../providers/types.js';
import { readBody } from '../../transport/http-client.js';
import type { BedrockModelLookup } from '../bedrock/model-lookup.js';
import { awsErrorSchema } from '../bedrock/errors.js';
import type { OpenApiRegistry } from '../openapi/registry.js';

type Lookup = () => BedrockModelLookup<RoutingTable>;

function jsonOf(body: unknown): Record<string, any> {
  try {
    const doc = JSON.parse(Buffer.isBuffer(body) ? body.toString('utf8') : '');
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) return doc;
  } catch {
    // Falls through to the 400.
  }
  throw invalidRequest('the request body must be a JSON object');
}

function abortOnClose(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (reply.raw.writableFinished) return;
    abort.abort();
    app.settleAbandoned(request, reply);
  });
  return abort.signal;
}

async function readJson(
  target: ResolvedTarget,
  call: HttpCall,
  request: FastifyRequest,
  signal: AbortSignal,
): Promise<{ status: number; doc: Record<string, any> }> {
  const opened = await relay(target, call, request.ctx, signal);
  const body = await readBody(opened.body);
  return { status: opened.status, doc: body.length ? JSON.parse(body.toString('utf8')) : {} };
}

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

/**
 * The Bedrock control plane's model invocation jobs passed through for AWS SDKs
 * (`@aws-sdk/client-bedrock` with only the endpoint changed): CreateModelInvocationJob
 * (`POST /model-invocation-job`, the allow-list applied to `modelId`, which is rewritten to the
 * alias's target), GetModelInvocationJob and StopModelInvocationJob (`/model-invocation-job/{id}`,
 * the allow-list applied to the job's model) and ListModelInvocationJobs (only jobs of models the
 * caller may use are listed). Re-signed for the provider's control endpoint.
 */
export function registerInvocationJobRoutes(app: FastifyInstance, lookup: Lookup): void {
  const routeOptions = { config: { sigv4: true } };
  // A job ARN names its region, which picks the Bedrock provider; a job name goes to the first one.
  const targetFor = (idOrArn: string): ResolvedTarget =>
    lookup().resolveRuntime(idOrArn.startsWith('arn:') ? idOrArn : 'amazon.nova-lite-v1:0').targets[0];

  app.post('/model-invocation-job', routeOptions, async (request, reply) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-control';
    const body = jsonOf(request.body);
    if (typeof body.modelId !== 'string' || body.modelId === '') throw invalidRequest('modelId is required', 'modelId');
    const route = lookup().resolveRuntime(body.modelId);
    admit(ctx, route);
    const target = route.targets[0];
    recordTarget(ctx, target);
    const { status, doc } = await readJson(
      target,
      { method: 'POST', endpoint: CONTROL, path: '/model-invocation-job', body: { ...body, modelId: target.model } },
      request,
      abortOnClose(app, request, reply),
    );
    return reply.code(status).send(doc);
  });

  const getJob = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
  ): Promise<{ target: ResolvedTarget; doc: Record<string, any> }> => {
    const target = targetFor(id);
    recordTarget(request.ctx, target);
    const { doc } = await readJson(
      target,
      { method: 'GET', endpoint: CONTROL, path: jobPath(id) },
      request,
      abortOnClose(app, request, reply),
    );
    if (typeof doc.modelId !== 'string') throw new GatewayError('upstream_bad_response', 'GetModelInvocationJob answer without modelId');
    admit(request.ctx, lookup().resolveRuntime(doc.modelId));
    return { target, doc };
  };

  app.get<{ Params: { id: string } }>('/model-invocation-job/:id', routeOptions, async (request, reply) => {
    request.ctx.surface = 'bedrock-control';
    const { doc } = await getJob(request, reply, request.params.id);
    return reply.code(200).send(doc);
  });

  app.post<{ Params: { id: string } }>('/model-invocation-job/:id/stop', routeOptions, async (request, reply) => {
    request.ctx.surface = 'bedrock-control';
    // Read first, so a job of a model the caller may not use cannot be stopped.
    const { target } = await getJob(request, reply, request.params.id);
    const { status, doc } = await readJson(
      target,
      { method: 'POST', endpoint: CONTROL, path: `${jobPath(request.params.id)}/stop` },
      request,
      abortOnClose(app, request, reply),
    );
    return reply.code(status).send(doc);
  });

  app.get<{ Querystring: Record<string, string> }>('/model-invocation-jobs', routeOptions, async (request, reply) => {
    request.ctx.surface = 'bedrock-control';
    const query = new URLSearchParams(request.query).toString();
    const target = targetFor('');
    recordTarget(request.ctx, target);
    const { status, doc } = await readJson(
      target,
      { method: 'GET', endpoint: CONTROL, path: query ? `/model-invocation-jobs?${query}` : '/model-invocation-jobs' },
      request,
      abortOnClose(app, request, reply),
    );
    const list = Array.isArray(doc.invocationJobSummaries) ? doc.invocationJobSummaries : [];
    doc.invocationJobSummaries = list.filter((s: { modelId?: unknown }) => allowed(request, lookup, s.modelId));
    return reply.code(status).send(doc);
  });
}

/** The control-plane passthrough in the OpenAPI document (bodies are AWS's, passed through). */
export function describeInvocationJobRoutes(openapi: OpenApiRegistry): void {
  const common = {
    server: 'proxy' as const,
    tags: ['bedrock'],
    errors: [400, 403, 404, 429, 502, 503] as const,
    errorShape: { name: 'AwsError', schema: awsErrorSchema },
    sigv4: true,
    response: { raw: 'The Bedrock control-plane answer, passed through', mediaTypes: ['application/json'] },
  };
  openapi.add({
    ...common,
    method: 'post',
    path: '/model-invocation-job',
    summary: 'CreateModelInvocationJob (AWS Bedrock control plane, passed through)',
    description: '`modelId` is a Rankway model served by a Bedrock provider (rewritten to its target); the allow-list applies.',
    rawRequest: 'The CreateModelInvocationJob request body',
  });
  openapi.add({
    ...common,
    method: 'get',
    path: '/model-invocation-job/{jobIdentifier}',
    summary: 'GetModelInvocationJob (passed through; the allow-list applies to the job model)',
  });
  openapi.add({
    ...common,
    method: 'post',
    path: '/model-invocation-job/{jobIdentifier}/stop',
    summary: 'StopModelInvocationJob (passed through)',
  });
  openapi.add({
    ...common,
    method: 'get',
    path: '/model-invocation-jobs',
    summary: 'ListModelInvocationJobs (only jobs of models the caller may use)',
  });
}
