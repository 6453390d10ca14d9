import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../errors/codes.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { errorHeaders } from '../../server/errors.js';

interface AwsException {
  readonly name: string;
  readonly status: number;
}

const VALIDATION: AwsException = { name: 'ValidationException', status: 400 };
const DENIED: AwsException = { name: 'AccessDeniedException', status: 403 };
const BAD_GATEWAY: AwsException = { name: 'BadGatewayException', status: 502 };

/**
 * Rankway's error codes as the Agent Runtime's modelled exceptions, so AWS SDKs raise the
 * class a Bedrock user already catches (ValidationException, AccessDeniedException ...).
 */
export const AWS_EXCEPTIONS: Readonly<Record<ErrorCode, AwsException>> = {
  invalid_request: VALIDATION,
  invalid_json: VALIDATION,
  unsupported_media_type: VALIDATION,
  too_many_documents: VALIDATION,
  payload_too_large: { name: 'ValidationException', status: 413 },
  capability_not_supported: VALIDATION,
  upstream_rejected_request: VALIDATION,
  model_not_found: { name: 'ResourceNotFoundException', status: 404 },
  route_not_found: { name: 'UnknownOperationException', status: 404 },
  method_not_allowed: { name: 'UnknownOperationException', status: 405 },
  missing_api_key: DENIED,
  invalid_api_key: DENIED,
  api_key_disabled: DENIED,
  api_key_expired: DENIED,
  model_not_allowed: DENIED,
  rate_limit_exceeded: { name: 'ThrottlingException', status: 429 },
  upstream_rate_limited: { name: 'ThrottlingException', status: 429 },
  budget_exceeded: { name: 'ServiceQuotaExceededException', status: 400 },
  upstream_auth_failed: BAD_GATEWAY,
  upstream_model_access: BAD_GATEWAY,
  upstream_unavailable: BAD_GATEWAY,
  upstream_bad_response: BAD_GATEWAY,
  upstream_timeout: { name: 'BadGatewayException', status: 504 },
  provider_busy: { name: 'ServiceUnavailableException', status: 503 },
  overloaded: { name: 'ServiceUnavailableException', status: 503 },
  internal_error: { name: 'InternalServerException', status: 500 },
  // Admin API codes; listed so the table stays total.
  resource_not_found: { name: 'ResourceNotFoundException', status: 404 },
  resource_conflict: { name: 'ConflictException', status: 409 },
  read_only_resource: { name: 'ConflictException', status: 409 },
};

export const awsException = (err: GatewayError): AwsException => AWS_EXCEPTIONS[err.code] ?? { name: 'InternalServerException', status: 500 };

/**
 * AWS rest-json error: `x-amzn-errortype` names the exception, the body is `{"message"}`
 * (protocols.md 4.7). The message is Rankway's own, never the upstream's text.
 */
export function renderAwsError(err: GatewayError, request: FastifyRequest, reply: FastifyReply): { message: string } {
  const ex = awsException(err);
  reply
    .code(ex.status)
    .headers(errorHeaders(err))
    .header('x-amzn-errortype', ex.name)
    .header('x-amzn-requestid', request.id)
    .header('content-type', 'application/json');
  return { message: err.message };
}
