import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../../config/load.js';
import { authorizeRoute } from '../../core/policy.js';
import { costUsd, defaultPrice } from '../../core/pricing.js';
import { relay } from '../../core/relay.js';
import type { ProviderRuntime } from '../../core/upstream.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { Logger } from '../../observability/log.js';
import { runtimePath } from '../../providers/bedrock/runtime-path.js';
import { fromFrameworkError } from '../../server/errors.js';
import { logError } from '../../server/proxy.js';
import { renderAwsError } from '../bedrock/errors.js';
import { RuntimeModelResolver } from './resolve.js';
import { UsageTap } from './usage-tap.js';

export interface RuntimeRoutesOptions {
  readonly config: GatewayConfig;
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  readonly logger: Logger;
}

const ACTION = /^[a-z][a-z-]{0,63}$/;
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'x-amzn-requestid', 'x-amzn-bedrock-content-type'];

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

/**
 * The native Bedrock runtime API passed through: `POST /model/{modelId}/{action}` (converse,
 * converse-stream, invoke, invoke-with-response-stream, ...). Rankway authenticates the caller,
 * applies the allow-list to the model, re-signs with the provider's credentials and pipes the
 * answer back untouched, reading usage on the side. Errors use the AWS rest-json shape.
 */
export async function bedrockRuntimeRoutes(app: FastifyInstance, options: RuntimeRoutesOptions): Promise<void> {
  const resolver = new RuntimeModelResolver(options.config, options.providers);

  // Bodies are forwarded byte for byte, whatever their content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    // Kept for the SigV4 check of Rankway-issued key pairs, which signs the body.
    request.rawBody = body;
    done(null, body);
  });

  app.setErrorHandler((error, request, reply) => {
    const err = fromFrameworkError(error);
    logError(options.logger, err, request);
    return renderAwsError(err, request, reply);
  });

  const routeOptions = { config: { sigv4: true } };
  app.post<{ Params: { modelId: string; action: string } }>('/model/:modelId/:action', routeOptions, async (request, reply) => {
    const ctx = request.ctx;
    ctx.surface = 'bedrock-runtime';
    const { modelId, action } = request.params;
    if (!ACTION.test(action)) throw new GatewayError('route_not_found', `Unknown Bedrock runtime action '${action}'`);
    const route = resolver.resolve(modelId);
    authorizeRoute(ctx.caller, route);
    const target = route.targets[0];
    ctx.outcome.alias = route.requested;
    ctx.outcome.provider = target.provider.name;
    ctx.outcome.upstreamModel = target.model;

    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const opened = await relay(
      target,
      { method: 'POST', endpoint: 'runtime', path: runtimePath(target.model, action), headers: forwardedHeaders(request), body },
      ctx,
      abort.signal,
    );

    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = opened.headers[name];
      if (value !== undefined) reply.header(name, value);
    }
    const price = target.price ?? defaultPrice(target.model);
    const record = (usage: { inputTokens: number; outputTokens: number; searchUnits: number; queries: number }): void => {
      ctx.outcome.usage = usage;
      ctx.outcome.costUsd = costUsd(usage, price);
    };
    // InvokeModel reports token counts in headers; the other actions in the body.
    const inTokens = Number(opened.headers['x-amzn-bedrock-input-token-count']);
    const outTokens = Number(opened.headers['x-amzn-bedrock-output-token-count']);
    if (Number.isFinite(inTokens) && opened.headers['x-amzn-bedrock-input-token-count'] !== undefined) {
      record({ inputTokens: inTokens, outputTokens: Number.isFinite(outTokens) ? outTokens : 0, searchUnits: 0, queries: 0 });
      for (const name of ['x-amzn-bedrock-input-token-count', 'x-amzn-bedrock-output-token-count', 'x-amzn-bedrock-invocation-latency']) {
        const value = opened.headers[name];
        if (value !== undefined) reply.header(name, value);
      }
    }
    const contentType = String(opened.headers['content-type'] ?? '');
    reply.code(opened.status);
    const tap = new UsageTap(contentType, record);
    opened.body.on('error', (err) => tap.destroy(err));
    return reply.send(opened.body.pipe(tap));
  });
}
