import type { FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget, recordUsage } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { ResolvedTarget } from '../../core/router.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { asyncInvokePath, nativeVideoSeconds } from '../../providers/bedrock/video.js';
import { readBody } from '../../transport/http-client.js';
import { lookupOf } from '../bedrock/model-lookup.js';
import { checkJsonValue } from '../json-body.js';
import type { SurfaceRoute } from '../surface.js';
import { abortOnClose, jsonOf, readJson } from './passthrough-io.js';
import type { RuntimeSurfaceDeps } from './surface.js';

const DOC = {
  rawRequest: 'The Bedrock Runtime request body, passed through',
  response: { raw: 'The Bedrock Runtime answer, passed through', mediaTypes: ['application/json'] },
  errors: [400, 403, 404, 429, 502, 503, 504],
} as const;

/**
 * The Bedrock runtime's asynchronous invocation API passed through for AWS SDKs:
 * StartAsyncInvoke (`POST /async-invoke`, the allow-list applied to `modelId`, which is
 * rewritten to the alias's target), GetAsyncInvoke (`GET /async-invoke/{invocationArn}`, the
 * allow-list applied to the model it names) and ListAsyncInvokes (`GET /async-invoke`, only
 * invocations of models the caller may use are listed).
 */
export const asyncInvokeRoutes: readonly SurfaceRoute<RuntimeSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/async-invoke',
    doc: { ...DOC, summary: 'Bedrock Runtime StartAsyncInvoke (passed through; `modelId` may be a Rankway model)' },
    handler: ({ config, routing }) => {
      const maxDepth = config.server.max_json_depth;
      return async (request, reply) => {
        const ctx = request.ctx;
        ctx.surface = 'bedrock-runtime';
        ctx.outcome.operation = 'generate_content';
        const body = jsonOf(request.body, maxDepth);
        if (typeof body.modelId !== 'string' || body.modelId === '') throw invalidRequest('modelId is required', 'modelId');
        const route = lookupOf(routing()).resolveRuntime(body.modelId);
        admit(ctx, route);
        const target = route.targets[0];
        recordTarget(ctx, target);
        const sent = { ...body, modelId: target.model };
        const { status, doc, requestId } = await readJson(
          target,
          { method: 'POST', endpoint: 'runtime', path: '/async-invoke', body: sent },
          request,
          abortOnClose(request, reply),
        );
        recordUsage(ctx, target, {
          inputTokens: 0,
          outputTokens: 0,
          searchUnits: 0,
          queries: 0,
          videoSeconds: nativeVideoSeconds(body.modelInput),
        });
        if (requestId) reply.header('x-amzn-requestid', requestId);
        return reply.code(status).send(doc);
      };
    },
  },
  {
    method: 'get',
    path: '/async-invoke/:invocationArn',
    doc: { ...DOC, rawRequest: undefined, summary: 'Bedrock Runtime GetAsyncInvoke (passed through; the allow-list applies to its model)' },
    handler:
      ({ routing }) =>
      async (request, reply) => {
        const ctx = request.ctx;
        ctx.surface = 'bedrock-runtime';
        const { invocationArn: arn } = request.params as { invocationArn: string };
        const lookup = lookupOf(routing());
        // The invocation ARN's region picks the Bedrock provider.
        const target = lookup.resolveRuntime(arn).targets[0];
        recordTarget(ctx, target);
        const { status, doc } = await readJson(
          target,
          { method: 'GET', endpoint: 'runtime', path: asyncInvokePath(arn) },
          request,
          abortOnClose(request, reply),
        );
        if (typeof doc.modelArn !== 'string') throw new GatewayError('upstream_bad_response', 'GetAsyncInvoke answer without modelArn');
        admit(ctx, lookup.resolveRuntime(doc.modelArn));
        return reply.code(status).send(doc);
      },
  },
  {
    method: 'get',
    path: '/async-invoke',
    doc: { ...DOC, rawRequest: undefined, summary: 'Bedrock Runtime ListAsyncInvokes (passed through; only models this key may use)' },
    handler:
      ({ routing }) =>
      async (request, reply) => {
        const ctx = request.ctx;
        ctx.surface = 'bedrock-runtime';
        const query = new URLSearchParams(request.query as Record<string, string>).toString();
        const lookup = lookupOf(routing());
        const target = lookup.resolveRuntime('amazon.nova-reel-v1:0').targets[0];
        recordTarget(ctx, target);
        const path = query ? `/async-invoke?${query}` : '/async-invoke';
        const { status, doc } = await readJson(target, { method: 'GET', endpoint: 'runtime', path }, request, abortOnClose(request, reply));
        const summaries = Array.isArray(doc.asyncInvokeSummaries) ? doc.asyncInvokeSummaries : [];
        doc.asyncInvokeSummaries = summaries.filter((s: { modelArn?: unknown }) => {
          if (typeof s.modelArn !== 'string') return false;
          try {
            admit(ctx, lookup.resolveRuntime(s.modelArn));
            return true;
          } catch {
            return false;
          }
        });
        return reply.code(status).send(doc);
      },
  },
];
