import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { admit } from '../../core/policy.js';
import { recordTarget, recordUsage } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import type { ResolvedTarget, RoutingTable } from '../../core/router.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import { asyncInvokePath, nativeVideoSeconds } from '../../providers/bedrock/video.js';
import { readBody } from '../../transport/http-client.js';
import type { BedrockModelLookup } from '../bedrock/model-lookup.js';

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

/** Sends a small JSON answer back after Rankway has read it (for the allow-list checks on what it names). */
async function readJson(
  target: ResolvedTarget,
  call: Parameters<typeof relay>[1],
  request: FastifyRequest,
  signal: AbortSignal,
): Promise<{ status: number; doc: Record<string, any>; requestId?: string }> {
  const opened = await relay(target, call, request.ctx, signal);
  const body = await readBody(opened.body);
  return {
    status: opened.status,
    doc: JSON.parse(body.toString('utf8')),
    requestId: opened.headers['x-amzn-requestid'] as string | undefined,
  };
}

/**
 * The Bedrock runtime's asynchronous invocation API passed through for AWS SDKs:
 * StartAsyncInvoke (`POST /async-invoke`, the allow-list applied to `modelId`, which is
 * rewritten to the alias's target), GetAsyncInvoke (`GET /async-invoke/{invocationArn}`, the
 * allow-list applied to the model it names) and ListAsyncInvokes (`GET /async-invoke`, only
 * invocations of models the caller may use are listed).
 */
export function registerAsyncInvokeRoutes(app: FastifyInstance, lookup: Lookup): void {
  const routeOptions = { config: { sigv4: true } };

  app.post('/async-invoke', routeOptions, async (request, reply) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-runtime';
    ctx.outcome.operation = 'generate_content';
    const body = jsonOf(request.body);
    if (typeof body.modelId !== 'string' || body.modelId === '') throw invalidRequest('modelId is required', 'modelId');
    const route = lookup().resolveRuntime(body.modelId);
    admit(ctx, route);
    const target = route.targets[0];
    recordTarget(ctx, target);
    const sent = { ...body, modelId: target.model };
    const { status, doc, requestId } = await readJson(
      target,
      { method: 'POST', endpoint: 'runtime', path: '/async-invoke', body: sent },
      request,
      abortOnClose(app, request, reply),
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
  });

  app.get<{ Params: { arn: string } }>('/async-invoke/:arn', routeOptions, async (request, reply) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-runtime';
    const arn = request.params.arn;
    // The invocation ARN's region picks the Bedrock provider.
    const target = lookup().resolveRuntime(arn).targets[0];
    recordTarget(ctx, target);
    const { status, doc } = await readJson(
      target,
      { method: 'GET', endpoint: 'runtime', path: asyncInvokePath(arn) },
      request,
      abortOnClose(app, request, reply),
    );
    if (typeof doc.modelArn !== 'string') throw new GatewayError('upstream_bad_response', 'GetAsyncInvoke answer without modelArn');
    admit(ctx, lookup().resolveRuntime(doc.modelArn));
    return reply.code(status).send(doc);
  });

  app.get<{ Querystring: Record<string, string> }>('/async-invoke', routeOptions, async (request, reply) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-runtime';
    const query = new URLSearchParams(request.query).toString();
    const target = lookup().resolveRuntime('amazon.nova-reel-v1:0').targets[0];
    recordTarget(ctx, target);
    const path = query ? `/async-invoke?${query}` : '/async-invoke';
    const { status, doc } = await readJson(
      target,
      { method: 'GET', endpoint: 'runtime', path },
      request,
      abortOnClose(app, request, reply),
    );
    const summaries = Array.isArray(doc.asyncInvokeSummaries) ? doc.asyncInvokeSummaries : [];
    doc.asyncInvokeSummaries = summaries.filter((s: { modelArn?: unknown }) => {
      if (typeof s.modelArn !== 'string') return false;
      try {
        admit(ctx, lookup().resolveRuntime(s.modelArn));
        return true;
      } catch {
        return false;
      }
    });
    return reply.code(status).send(doc);
  });
}
