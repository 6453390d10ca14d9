import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../../errors/codes.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { ErrorEnvelope } from '../surface.js';

interface AwsException {
  readonly name: string;
  readonly status: number;
}

const VALIDATION = 'ValidationException';
const DENIED: AwsException = { name: 'AccessDeniedException', status: 403 };

/**
 * AWS's modelled exceptions by Rankway status, so AWS SDKs raise the class a Bedrock user
 * already catches. AWS has no 401: auth failures are AccessDenied 403.
 */
const BY_STATUS: Readonly<Record<number, AwsException>> = {
  400: { name: VALIDATION, status: 400 },
  401: DENIED,
  403: DENIED,
  404: { name: 'ResourceNotFoundException', status: 404 },
  409: { name: 'ConflictException', status: 409 },
  413: { name: VALIDATION, status: 413 },
  415: { name: VALIDATION, status: 400 },
  429: { name: 'ThrottlingException', status: 429 },
  500: { name: 'InternalServerException', status: 500 },
  502: { name: 'BadGatewayException', status: 502 },
  503: { name: 'ServiceUnavailableException', status: 503 },
  504: { name: 'BadGatewayException', status: 504 },
};

/** Codes whose AWS counterpart is not the one for their status. */
const BY_CODE: Partial<Record<ErrorCode, AwsException>> = {
  route_not_found: { name: 'UnknownOperationException', status: 404 },
  method_not_allowed: { name: 'UnknownOperationException', status: 405 },
  budget_exceeded: { name: 'ServiceQuotaExceededException', status: 400 },
};

/** Every Rankway error code as an AWS exception (a code with no counterpart is missing, which a test catches). */
export const AWS_EXCEPTIONS: Readonly<Partial<Record<ErrorCode, AwsException>>> = Object.fromEntries(
  (Object.keys(ERROR_CODES) as ErrorCode[]).flatMap((code) => {
    const ex = BY_CODE[code] ?? BY_STATUS[ERROR_CODES[code].status];
    return ex ? [[code, ex]] : [];
  }),
);

export const awsException = (err: GatewayError): AwsException =>
  AWS_EXCEPTIONS[err.code] ?? { name: 'InternalServerException', status: 500 };

/** The AWS rest-json error body; the exception name travels in `x-amzn-ErrorType`. */
export const awsErrorSchema = z
  .object({ message: z.string() })
  .describe(
    'AWS rest-json error; the `x-amzn-ErrorType` header names the exception (ValidationException, AccessDeniedException, ThrottlingException ...)',
  );

/**
 * AWS rest-json error: `x-amzn-errortype` names the exception, the body is `{"message"}`.
 * The message is Rankway's own, never the upstream's text. The status is AWS's for the
 * exception (AWS has no 401), so it replaces the one the server set.
 */
export const awsErrors: ErrorEnvelope = {
  render(err: GatewayError, request: FastifyRequest, reply: FastifyReply): { message: string } {
    const ex = awsException(err);
    reply
      .code(ex.status)
      .header('x-amzn-errortype', ex.name)
      .header('x-amzn-requestid', request.id)
      .header('content-type', 'application/json');
    return { message: err.message };
  },
  schema: { name: 'AwsError', schema: awsErrorSchema },
};
