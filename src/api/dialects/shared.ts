import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { RerankResult } from '../../canonical/rerank.js';
import type { GatewayConfig } from '../../config/load.js';
import type { RerankService } from '../../core/rerank/service.js';
import { GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import type { Logger } from '../../observability/log.js';
import { errorHeaders, fromFrameworkError } from '../../server/errors.js';
import { logError } from '../../server/proxy.js';
import { fromZod, type RerankLimits } from '../rerank/parse.js';

/** What every dialect plugin is given. */
export interface DialectOptions {
  readonly config: GatewayConfig;
  readonly rerank: RerankService;
  readonly logger: Logger;
}

export const limitsOf = (config: GatewayConfig): RerankLimits => ({
  maxDocuments: config.server.max_documents,
  maxDocumentChars: config.server.max_document_chars,
});

/**
 * Gives an encapsulated dialect plugin its own error envelope: every error thrown inside it
 * (auth, body parsing, validation, upstream failure, unknown paths under its prefix) is
 * logged once and rendered by `body`.
 */
export function useErrorShape(scope: FastifyInstance, logger: Logger, body: (err: GatewayError, request: FastifyRequest) => unknown): void {
  scope.setErrorHandler((error, request: FastifyRequest, reply: FastifyReply) => {
    const err = fromFrameworkError(error);
    logError(logger, err, request);
    reply.code(err.status).headers(errorHeaders(err));
    return body(err, request);
  });
  scope.setNotFoundHandler((request, reply) => {
    const err = new GatewayError('route_not_found', `No route for ${request.method} ${request.url.split('?')[0]}`);
    reply.code(err.status);
    return body(err, request);
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
