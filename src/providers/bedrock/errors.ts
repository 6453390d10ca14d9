import { GatewayError, type FailureClass } from '../../errors/gateway-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import { classifyStatus, retryAfterMs, tryJson } from '../shared/errors.js';
import type { UpstreamReply } from '../types.js';

interface AwsErrorClass {
  readonly code: ErrorCode;
  readonly failure: FailureClass;
  readonly message: string;
}

const credential: AwsErrorClass = { code: 'upstream_auth_failed', failure: 'credential', message: 'AWS rejected the gateway credentials' };
const transient: AwsErrorClass = { code: 'upstream_unavailable', failure: 'transient', message: 'AWS Bedrock failed to serve the request' };

/** AWS exception names (runtime, agent runtime and the AWS front end) -> how the attempt loop reacts. */
const BY_AWS_CODE: ReadonlyMap<string, AwsErrorClass> = new Map([
  [
    'ValidationException',
    { code: 'upstream_rejected_request', failure: 'caller_fault', message: 'AWS Bedrock rejected the request as invalid' },
  ],
  [
    'ConflictException',
    { code: 'upstream_rejected_request', failure: 'caller_fault', message: 'AWS Bedrock rejected the request (conflict)' },
  ],
  ['ThrottlingException', { code: 'upstream_rate_limited', failure: 'rate_limit', message: 'AWS Bedrock is throttling requests' }],
  [
    'ServiceQuotaExceededException',
    { code: 'upstream_rate_limited', failure: 'quota', message: 'The AWS account exceeded a Bedrock service quota' },
  ],
  ['AccessDeniedException', credential],
  ['UnrecognizedClientException', credential],
  ['InvalidSignatureException', credential],
  ['IncompleteSignatureException', credential],
  ['MissingAuthenticationTokenException', credential],
  ['ExpiredTokenException', credential],
  [
    'ResourceNotFoundException',
    { code: 'upstream_model_access', failure: 'model_access', message: 'The model is not available to the gateway account in this region' },
  ],
  ['ModelNotReadyException', transient],
  ['ModelErrorException', transient],
  ['DependencyFailedException', transient],
  ['BadGatewayException', transient],
  ['InternalServerException', transient],
  ['ServiceUnavailableException', transient],
  ['ModelTimeoutException', { code: 'upstream_timeout', failure: 'timeout', message: 'The Bedrock model timed out' }],
]);

/**
 * The exception name the way AWS SDKs read it: `x-amzn-errortype`, else body `code`, else
 * `__type`; text before the first `,` and `:`, after the last `#` (docs/protocols.md §4.7).
 */
export function awsErrorCode(headers: UpstreamReply['headers'], body: unknown): string | undefined {
  const header = headers['x-amzn-errortype'];
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const raw = (Array.isArray(header) ? header[0] : header) ?? str(b.code) ?? str(b.__type);
  if (!raw) return undefined;
  const name = raw.split(',')[0].split(':')[0];
  return name.slice(name.lastIndexOf('#') + 1).trim() || undefined;
}

/**
 * A Bedrock error reply as a classified failure. Callers see a status-appropriate message and
 * the AWS exception name; the AWS text (ARNs, account ids, role names, regions) goes to `detail`,
 * which only the server log shows.
 */
export function parseBedrockError(reply: UpstreamReply): GatewayError {
  const body = tryJson(reply.body);
  const awsCode = awsErrorCode(reply.headers, body);
  const cls = (awsCode && BY_AWS_CODE.get(awsCode)) || classifyStatus(reply.status);
  const b = body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const text = str(b.message) ?? str(b.Message) ?? reply.body.subarray(0, 2048).toString('utf8');
  return new GatewayError(cls.code, awsCode ? `${cls.message} (${awsCode})` : cls.message, {
    failure: cls.failure,
    upstreamStatus: reply.status,
    upstreamCode: awsCode,
    retryAfterMs: retryAfterMs(reply.headers),
    detail: `HTTP ${reply.status} ${awsCode ?? '(no AWS error type)'}: ${text}`,
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
