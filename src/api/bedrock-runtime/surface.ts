import type { FastifyRequest } from 'fastify';
import type { Usage } from '../../canonical/usage.js';
import type { GatewayConfig } from '../../config/load.js';
import type { RoutingTable } from '../../core/router.js';
import { admit } from '../../core/policy.js';
import { runtimeWant } from '../../core/limits/estimate.js';
import { reserveRoute } from '../../core/limits/reserve.js';
import { recordTarget, recordUsage } from '../../core/outcome.js';
import { relay } from '../../core/relay.js';
import { coded, GatewayError } from '../../errors/gateway-error.js';
import { runtimeOperation } from '../../providers/bedrock/operation.js';
import { runtimePath } from '../../providers/bedrock/runtime-path.js';
import type { OpenedReply } from '../../transport/http-client.js';
import { awsErrors } from '../bedrock/errors.js';
import { lookupOf } from '../bedrock/model-lookup.js';
import { checkJsonValue } from '../json-body.js';
import { defineSurface } from '../surface.js';
import { checkPathModelId } from './model-id.js';
import { UsageTap } from './usage-tap.js';
import { asyncInvokeRoutes } from './async-invoke.js';
import { invocationJobRoutes } from './invocation-jobs.js';
import { applyGuardrailRoute } from './apply-guardrail.js';
import { guardrailConfig } from '../../providers/bedrock/converse/request.js';
import { bedrockOptionsOf, type BedrockGuardrail } from '../../providers/bedrock/model-options.js';

export interface RuntimeSurfaceDeps {
  readonly config: GatewayConfig;
  /** The current routing table: aliases and providers change at run time (admin API, reload). */
  readonly routing: () => RoutingTable;
}

const ACTION = /^[a-z][a-z-]{0,63}$/;

function headerUsage(headers: OpenedReply['headers']): Usage | undefined {
  const input = headers['x-amzn-bedrock-input-token-count'];
  if (input === undefined) return undefined;
  const output = Number(headers['x-amzn-bedrock-output-token-count']);
  return { inputTokens: Number(input) || 0, outputTokens: Number.isFinite(output) ? output : 0, searchUnits: 0, queries: 0 };
}

/**
 * A 404 from AWS on the passthrough (no such model for this account and region, or no such
 * operation) answers the caller's own request, so it reaches the caller as the 404 AWS sent,
 * with its exception name, rather than as a gateway failure (502).
 */
function upstreamNotFound(err: unknown, modelId: string, action: string): unknown {
  if (!(err instanceof GatewayError) || err.upstreamStatus !== 404) return err;
  if (err.upstreamCode === 'UnknownOperationException') {
    return new GatewayError('route_not_found', `Bedrock has no runtime operation '${action}'`, { detail: err.detail });
  }
  return new GatewayError('model_not_found', `Bedrock has no model '${modelId}' for this account and region`, {
    param: 'modelId',
    detail: err.detail,
  });
}

/** Request headers that steer Bedrock (guardrails, trace, latency, tier) and go upstream as sent. */
function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in request.headers) {
    const value = request.headers[name];
    if (typeof value !== 'string') continue;
    if (name === 'content-type' || name === 'accept' || name.startsWith('x-amzn-bedrock-')) out[name] = value;
  }
  return out;
}

/** A native Converse body with the alias's guardrail put in (replacing the caller's own). */
function withGuardrail(body: Buffer, guardrail: BedrockGuardrail, maxDepth: number): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch {
    throw coded('body_not_json');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw coded('body_not_object');
  checkJsonValue(doc, maxDepth);
  return Buffer.from(JSON.stringify({ ...doc, guardrailConfig: guardrailConfig(guardrail) }));
}

const PASSTHROUGH_DESCRIPTION =
  'Where an AWS SDK `BedrockRuntimeClient` pointed at Rankway sends `Converse`, `ConverseStream`, `InvokeModel` and ' +
  '`InvokeModelWithResponseStream`: `action` is `converse`, `converse-stream`, `invoke` or `invoke-with-response-stream`. ' +
  '`modelId` is a Rankway model (alias or `provider/model`) served by a Bedrock provider. The body and `x-amzn-bedrock-*` ' +
  "headers go upstream unchanged, re-signed with the provider's credentials; the answer (JSON or an AWS event stream) comes " +
  'back unchanged. Callers authenticate with a Rankway key or AWS SigV4; errors use the AWS rest-json shape.';

/**
 * The native Bedrock runtime API passed through: `POST /model/{modelId}/{action}` (converse,
 * converse-stream, invoke, invoke-with-response-stream, ...), asynchronous invocations and
 * ApplyGuardrail. Rankway authenticates the caller, applies the allow-list to the model,
 * re-signs with the provider's credentials and pipes the answer back untouched, reading usage
 * on the side. Bodies are forwarded byte for byte; errors use the AWS rest-json shape.
 */
export const bedrockRuntimeSurface = defineSurface<RuntimeSurfaceDeps>({
  name: 'bedrock-runtime',
  listener: 'proxy',
  body: { kind: 'raw' },
  auth: 'key-or-sigv4',
  errors: awsErrors,
  tags: ['bedrock'],
  routes: [
    {
      method: 'post',
      path: '/model/:modelId/:action',
      doc: {
        summary: 'AWS Bedrock Runtime (native, passed through)',
        description: PASSTHROUGH_DESCRIPTION,
        rawRequest: 'The Bedrock Runtime request body for this action, passed through unread',
        response: {
          raw: 'The Bedrock Runtime answer, passed through',
          mediaTypes: ['application/json', 'application/vnd.amazon.eventstream'],
        },
        errors: [400, 403, 404, 413, 429, 502, 503, 504],
      },
      handler: ({ config, routing }) => {
        const maxDepth = config.server.max_json_depth;
        const maxEventBytes = config.server.max_stream_event_bytes;
        return async (request, reply) => {
          const ctx = request.ctx;
          ctx.surface = 'bedrock-runtime';
          const { modelId, action } = request.params as { modelId: string; action: string };
          if (!ACTION.test(action)) throw new GatewayError('route_not_found', `Unknown Bedrock runtime action '${action}'`);
          checkPathModelId(modelId);
          const route = lookupOf(routing()).resolveRuntime(modelId);
          admit(ctx, route);
          const target = route.targets[0];
          recordTarget(ctx, target);
          ctx.outcome.operation = runtimeOperation(action, target.model);
          let body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          // Settled when the response ends or the caller abandons it (the usage arrives with the answer).
          await reserveRoute(ctx, route, (t) => runtimeWant(body, t));

          const abort = new AbortController();
          reply.raw.once('close', () => {
            if (reply.raw.writableFinished) return;
            abort.abort();
            request.server.settleAbandoned(request, reply);
          });
          // The alias's guardrail, as the provider read it from the alias.
          const guardrail = bedrockOptionsOf(target.upstream).guardrail;
          if (guardrail && action.startsWith('converse')) body = withGuardrail(body, guardrail, maxDepth);
          const opened = await relay(
            target,
            { method: 'POST', endpoint: 'runtime', path: runtimePath(target.model, action), headers: forwardedHeaders(request), body },
            ctx,
            abort.signal,
          ).catch((err: unknown) => {
            throw upstreamNotFound(err, modelId, action);
          });

          for (const name in opened.headers) {
            if (name === 'content-type' || name === 'x-amzn-requestid' || name.startsWith('x-amzn-bedrock-'))
              reply.header(name, opened.headers[name]);
          }
          const record = (usage: Usage): void => void recordUsage(ctx, target, usage);
          // InvokeModel reports token counts in headers; bodies and stream events may refine them.
          const fromHeaders = headerUsage(opened.headers);
          if (fromHeaders) record(fromHeaders);
          const contentType = String(opened.headers['content-type'] ?? '');
          reply.code(opened.status);
          const tap = new UsageTap(contentType, record, maxEventBytes);
          opened.body.on('error', (err) => tap.destroy(err));
          return reply.send(opened.body.pipe(tap));
        };
      },
    },
    ...asyncInvokeRoutes,
    ...invocationJobRoutes,
    applyGuardrailRoute,
  ],
});
