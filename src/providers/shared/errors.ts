import { GatewayError, type FailureClass } from '../../errors/gateway-error.js';
import type { ErrorCode } from '../../errors/codes.js';
import type { UpstreamReply } from '../types.js';

interface StatusClass {
  readonly code: ErrorCode;
  readonly failure: FailureClass;
  readonly message: string;
}

/** How an upstream HTTP status steers retries and fallbacks, shared by all HTTP providers. */
export function classifyStatus(status: number): StatusClass {
  if (status === 429)
    return { code: 'upstream_rate_limited', failure: 'rate_limit', message: 'The upstream provider is rate limiting requests' };
  if (status === 401)
    return { code: 'upstream_auth_failed', failure: 'credential', message: 'The upstream provider rejected the gateway credentials' };
  if (status === 403) return { code: 'upstream_auth_failed', failure: 'credential', message: 'The upstream provider denied access' };
  if (status === 404)
    return { code: 'upstream_model_access', failure: 'model_access', message: 'The upstream provider does not serve this model' };
  if (status === 408 || status === 504) return { code: 'upstream_timeout', failure: 'timeout', message: 'The upstream provider timed out' };
  if (status === 402) return { code: 'upstream_model_access', failure: 'quota', message: 'The upstream account has no quota left' };
  if (status >= 400 && status < 500 && status !== 499) {
    return {
      code: 'upstream_rejected_request',
      failure: 'caller_fault',
      message: `The upstream provider rejected the request (HTTP ${status})`,
    };
  }
  return { code: 'upstream_unavailable', failure: 'transient', message: `The upstream provider failed (HTTP ${status})` };
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(headers: UpstreamReply['headers']): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** Reads a JSON body if it is JSON; never throws. */
export function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The default error parser: classify by status, keep the upstream body for the log only.
 * `extractMessage` pulls the provider's message out of its error body for the log detail.
 */
export function failureFromReply(
  reply: UpstreamReply,
  extractMessage: (body: unknown) => string | undefined = genericMessage,
): GatewayError {
  const cls = classifyStatus(reply.status);
  const parsed = tryJson(reply.body);
  const upstreamMessage = parsed === undefined ? reply.body.subarray(0, 2048).toString('utf8') : extractMessage(parsed);
  return new GatewayError(cls.code, cls.message, {
    failure: cls.failure,
    upstreamStatus: reply.status,
    retryAfterMs: retryAfterMs(reply.headers),
    detail: `HTTP ${reply.status}: ${upstreamMessage ?? '(no message)'}`,
  });
}

/** Understands `{message}`, `{error: string}`, `{error: {message}}` and `{detail}` bodies. */
export function genericMessage(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.error === 'string') return b.error;
  if (b.error && typeof b.error === 'object' && typeof (b.error as Record<string, unknown>).message === 'string') {
    return (b.error as Record<string, string>).message;
  }
  if (typeof b.detail === 'string') return b.detail;
  if (b.detail !== undefined) return JSON.stringify(b.detail);
  return undefined;
}

/** Thrown by parsers when a 2xx body does not have the promised shape. */
export function badResponse(what: string): GatewayError {
  return new GatewayError('upstream_bad_response', 'The upstream provider sent a response the gateway could not read', {
    failure: 'bad_response',
    detail: what,
  });
}
