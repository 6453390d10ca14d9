import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RerankResult } from '../../canonical/rerank.js';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import type { NamedSchema } from '../openapi/registry.js';
import { fromZod, type RerankLimits } from '../rerank/parse.js';
import { defineSurface, type Surface, type SurfaceRoute } from '../surface.js';

/** What every dialect's handlers are given. */
export interface DialectDeps {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
}

export const limitsOf = (config: GatewayConfig): RerankLimits => ({
  maxDocuments: config.server.max_documents,
  maxDocumentChars: config.server.max_document_chars,
});

/** One route of a dialect: its path, the vendor it imitates, its request schema and its handler. */
export interface DialectRoute {
  /** Relative to the dialect's prefix, in Fastify syntax. */
  readonly path: string;
  /** The documented path when the Fastify one cannot say it (Vertex's `:rank`); `false`: an undocumented alias. */
  readonly docPath?: string | false;
  readonly vendor: string;
  readonly request: NamedSchema;
  readonly handler: SurfaceRoute<DialectDeps>['handler'];
}

/**
 * A vendor dialect as a surface: under its own prefix, JSON bodies, caller keys, errors in
 * the vendor's own shape (`render`, described in words by `errorsText` in the document).
 */
export function dialectSurface(spec: {
  readonly name: string;
  readonly prefix: string;
  readonly errorsText: string;
  readonly render: (err: GatewayError, request: FastifyRequest) => unknown;
  readonly routes: readonly DialectRoute[];
}): Surface<DialectDeps> {
  return defineSurface<DialectDeps>({
    name: spec.name,
    listener: 'proxy',
    prefix: spec.prefix,
    body: { kind: 'json' },
    auth: 'key',
    errors: { render: (err, request) => spec.render(err, request) },
    tags: ['dialects'],
    routes: spec.routes.map((r) => ({
      method: 'post',
      path: r.path,
      doc:
        r.docPath === false
          ? false
          : {
              path: r.docPath,
              summary: `Rerank with ${r.vendor}'s request and response shape`,
              description: `A client written for ${r.vendor} changes only its base URL. \`model\` is a Rankway model (alias or provider/model). Errors: ${spec.errorsText}.`,
              request: r.request,
            },
      handler: r.handler,
    })),
  });
}

/** The body must be a JSON object; the same message as the unified API. */
export function requireObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A dialect body checked against its schema: a JSON object, then the schema's first problem as a 400. */
export function parseWith<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(requireObject(body));
  if (!parsed.success) throw fromZod(parsed.error);
  return parsed.data;
}

/** The required, non-empty list of things to rank, under the dialect's own field name. */
export function rankedList<T extends z.ZodType>(field: string, item: T) {
  return z
    .array(item, {
      error: (i) => (i.input === undefined || i.input === null ? `${field} are required for rerank` : `${field} must be an array`),
    })
    .min(1, `${field} are required for rerank`);
}

/** Refuses more items than `server.max_documents`, naming the dialect's field. */
export function limitCount(field: string, count: number, limits: RerankLimits): void {
  if (count > limits.maxDocuments) {
    throw new GatewayError('too_many_documents', `${field} has ${count} items; the maximum is ${limits.maxDocuments}`, { param: field });
  }
}

/** `rerank-v3.5`-style usage numbers every token-billed dialect reports. */
export const totalTokens = (result: RerankResult): number => result.usage.inputTokens + result.usage.outputTokens;
