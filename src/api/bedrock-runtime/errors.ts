import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../../errors/gateway-error.js';
import { errorHeaders } from '../../server/errors.js';

/** Exception names by HTTP status, as the runtime's modelled exceptions spell them. */
const BY_STATUS: Readonly<Record<number, string>> = {
  400: 'ValidationException',
  401: 'AccessDeniedException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  413: 'ValidationException',
  415: 'ValidationException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/**
 * AWS rest-json error (protocols §4.7): `x-amzn-errortype` names the exception, the body
 * is `{"message"}` with Rankway's own text, never the upstream's (which can name accounts).
 */
export function renderRuntimeError(err: GatewayError, request: FastifyRequest, reply: FastifyReply): { message: string } {
  const name = BY_STATUS[err.status] ?? (err.status >= 500 ? 'InternalServerException' : 'ValidationException');
  reply
    .code(err.status)
    .headers(errorHeaders(err))
    .header('x-amzn-errortype', name)
    .header('x-amzn-requestid', request.id)
    .header('content-type', 'application/json');
  return { message: err.message };
}
