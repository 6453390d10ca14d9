import type { Readable } from 'node:stream';
import type { Span } from '@opentelemetry/api';
import { Agent, errors as undiciErrors } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { Tracing } from '../observability/tracing.js';
import type { UpstreamReply } from '../providers/types.js';

export interface SendOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: 'POST' | 'GET';
  readonly headers: Record<string, string>;
  readonly body?: Buffer | string;
  /** Time allowed for this attempt, headers and body together. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The request's span: when tracing is on, this attempt becomes a child span and `traceparent` goes upstream. */
  readonly parentSpan?: Span;
  /** Provider instance name, for the attempt span. */
  readonly provider?: string;
}

/** A response whose body is still on the wire. */
export interface OpenedReply {
  readonly status: number;
  readonly headers: UpstreamReply['headers'];
  readonly body: Readable;
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/**
 * One keep-alive pool per upstream origin (undici Agent keeps them), with a hard
 * per-attempt deadline and a cap on response size.
 */
export class HttpClient {
  private readonly agent: Agent;

  private readonly tracing?: Tracing;

  constructor(options: { connectionsPerOrigin?: number; tracing?: Tracing } = {}) {
    this.tracing = options.tracing;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      pipelining: 1,
    });
  }

  send(options: SendOptions): Promise<UpstreamReply> {
    return this.traced(options, () => this.sendUntraced(options));
  }

  /** Wraps one attempt in a span when tracing is on and the request has one; free otherwise. */
  private async traced<R extends { readonly status: number }>(options: SendOptions, attempt: () => Promise<R>): Promise<R> {
    if (this.tracing === undefined || options.parentSpan === undefined) return attempt();
    const tracing = this.tracing;
    const span = tracing.startAttempt(options.parentSpan, options.provider ?? 'upstream', options.method, options.origin + options.path, options.headers);
    try {
      const reply = await attempt();
      tracing.endAttempt(span, reply.status);
      return reply;
    } catch (err) {
      const e = err as GatewayError;
      tracing.endAttempt(span, undefined, { code: e.code ?? 'error', message: e.message });
      throw err;
    }
  }

  private async sendUntraced(options: SendOptions): Promise<UpstreamReply> {
    // One timer and one controller per attempt: AbortSignal.timeout/any cost several times more,
    // and a timeout signal's timer would stay live for the whole timeout after every fast call.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const outer = options.signal;
    const onOuterAbort = (): void => controller.abort();
    if (outer) {
      if (outer.aborted) controller.abort();
      else outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    try {
      const res = await this.agent.request({
        origin: options.origin,
        path: options.path,
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal: controller.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      const body = await readBody(res.body as unknown as Readable);
      return { status: res.statusCode, headers: res.headers, body };
    } catch (err) {
      throw classifyTransportError(err, timedOut, options);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
  }

  /**
   * Opens a response without reading its body, for streams: the deadline covers the
   * headers, then `idleTimeoutMs` bounds each wait for the next body bytes.
   * The caller must consume or destroy `body`.
   */
  open(options: SendOptions & { readonly idleTimeoutMs?: number }): Promise<OpenedReply> {
    // The attempt span covers the call up to its response headers; the stream then belongs to the request span.
    return this.traced(options, () => this.openUntraced(options));
  }

  private async openUntraced(options: SendOptions & { readonly idleTimeoutMs?: number }): Promise<OpenedReply> {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    let headersDone = false;
    const controller = new AbortController();
    const onTimeout = (): void => {
      if (!headersDone) controller.abort(timeout.reason);
    };
    timeout.addEventListener('abort', onTimeout, { once: true });
    const signal = options.signal ? AbortSignal.any([controller.signal, options.signal]) : controller.signal;
    try {
      const res = await this.agent.request({
        origin: options.origin,
        path: options.path,
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.idleTimeoutMs ?? options.timeoutMs,
      });
      headersDone = true;
      return { status: res.statusCode, headers: res.headers, body: res.body as unknown as Readable };
    } catch (err) {
      throw classifyTransportError(err, timeout.aborted, options);
    } finally {
      timeout.removeEventListener('abort', onTimeout);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Aborts every upstream call still running (shutdown past its deadline). */
  async destroy(): Promise<void> {
    await this.agent.destroy();
  }
}

/**
 * Reads a body to the end with a size cap (whole unary replies, and error replies of streamed
 * calls); events rather than `for await`, which costs a promise per chunk.
 */
export function readBody(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        stream.destroy();
        reject(new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', { failure: 'bad_response' }));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    stream.once('error', reject);
  });
}

export function classifyTransportError(err: unknown, timedOut: boolean, options: SendOptions): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { code?: string; name?: string; message?: string };
  const detail = `${options.method} ${options.origin}${options.path}: ${e.code ?? e.name ?? 'error'} ${e.message ?? ''}`;
  if (
    timedOut ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError ||
    e.name === 'TimeoutError'
  ) {
    return new GatewayError('upstream_timeout', 'The upstream provider did not answer in time', {
      failure: 'timeout',
      detail,
    });
  }
  return new GatewayError('upstream_unavailable', 'Could not reach the upstream provider', {
    failure: 'connection',
    detail,
  });
}
