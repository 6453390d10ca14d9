import { ERROR_CODES, MESSAGES, formatMessage, type ErrorCode, type MessageId, type MessageParams } from './codes.js';

/**
 * How a failed upstream attempt steers the attempt loop.
 * caller_fault stops at once; rate_limit, transient, timeout, connection and bad_response
 * (a 2xx answer that breaks the protocol, e.g. duplicate rerank indexes) are retried and
 * then fall back; credential, model_access and quota go straight to the next target.
 * capacity means the gateway's own provider limits kept the call from leaving: no retry on
 * the same provider (it already waited), straight to the next target.
 */
export type FailureClass =
  | 'caller_fault'
  | 'rate_limit'
  | 'transient'
  | 'timeout'
  | 'connection'
  | 'credential'
  | 'model_access'
  | 'quota'
  | 'capacity'
  | 'bad_response';

export interface GatewayErrorOptions {
  readonly param?: string | null;
  readonly failure?: FailureClass;
  readonly retryAfterMs?: number;
  readonly upstreamStatus?: number;
  /** Upstream error code (for example an AWS exception name) safe to show callers. */
  readonly upstreamCode?: string;
  /** Full upstream detail for the server log only; never rendered to callers. */
  readonly detail?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly cause?: unknown;
}

/** The one error type handlers throw; each surface renders it in its own envelope. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly failure?: FailureClass;
  readonly retryAfterMs?: number;
  readonly upstreamStatus?: number;
  readonly upstreamCode?: string;
  readonly detail?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Set once the gateway spent its own retries and fallbacks on this request. */
  retriesExhausted = false;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const spec = ERROR_CODES[code];
    this.name = 'GatewayError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.param = options.param ?? null;
    this.failure = options.failure;
    this.retryAfterMs = options.retryAfterMs;
    this.upstreamStatus = options.upstreamStatus;
    this.upstreamCode = options.upstreamCode;
    this.detail = options.detail;
    this.headers = options.headers;
  }

  get isRetryable(): boolean {
    const f = this.failure;
    return f === 'rate_limit' || f === 'transient' || f === 'timeout' || f === 'connection' || f === 'bad_response';
  }

  /** True when another target may succeed where this one failed. */
  get allowsFallback(): boolean {
    return this.failure !== undefined && this.failure !== 'caller_fault';
  }
}

export const invalidRequest = (message: string, param: string | null = null): GatewayError =>
  new GatewayError('invalid_request', message, { param });

/**
 * The error of a templated message (`MESSAGES` in codes.ts): its code, its text filled in.
 * @example coded('route_not_found', { method: 'GET', path: '/nope' }) // 404 "No route for GET /nope"
 */
export function coded<K extends MessageId>(
  id: K,
  ...[params, options]: MessageParams<K> extends undefined ? [undefined?, GatewayErrorOptions?] : [MessageParams<K>, GatewayErrorOptions?]
): GatewayError {
  return new GatewayError(MESSAGES[id].code, formatMessage(id, params as MessageParams<K>), options);
}

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return coded('internal_error', undefined, { cause: err });
}
