import type { Readable } from 'node:stream';
import type { Span } from '@opentelemetry/api';
import { Agent, errors as undiciErrors } from 'undici';
import { coded, GatewayError } from '../errors/gateway-error.js';
import type { Tracing } from '../observability/tracing.js';
import type { UpstreamReply } from '../providers/types.js';
import { budgetExhausted, ByteBudget, DEFAULT_MAX_BUFFERED_UPSTREAM_BYTES, REPLY_BYTE_COST } from './byte-budget.js';
import { UnaryReplyCollector } from './unary-reply.js';

export interface SendOptions {
  readonly origin: string;
  readonly path: string;
  readonly method: 'POST' | 'GET' | 'PUT' | 'DELETE';
  readonly headers: Record<string, string>;
  /** Pieces (written in order; the caller sets content-length) spare copying a large body into one buffer. */
  readonly body?: Buffer | string | readonly Buffer[];
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
  /** Reads the whole body (an error answer of a streamed call) under the client's size caps. */
  readAll(): Promise<Buffer>;
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface HttpClientOptions {
  readonly connectionsPerOrigin?: number;
  readonly tracing?: Tracing;
  /** Cap on one response. */
  readonly maxResponseBytes?: number;
  /** Cap on the response bytes all calls together hold in memory (`server.max_buffered_upstream_bytes`). */
  readonly maxBufferedBytes?: number;
}

/**
 * One keep-alive pool per upstream origin (undici Agent keeps them), with a hard
 * per-attempt deadline, a cap on response size and one budget of buffered response bytes
 * shared by every call.
 */
export class HttpClient {
  private readonly agent: Agent;

  private readonly tracing?: Tracing;

  private readonly maxResponseBytes: number;

  /** Bytes of whole replies being collected right now, across all calls. */
  readonly buffered: ByteBudget;

  constructor(options: HttpClientOptions = {}) {
    this.tracing = options.tracing;
    this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.buffered = new ByteBudget(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_UPSTREAM_BYTES);
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
    const span = tracing.startAttempt(
      options.parentSpan,
      options.provider ?? 'upstream',
      options.method,
      options.origin + options.path,
      options.headers,
    );
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

  private sendUntraced(options: SendOptions): Promise<UpstreamReply> {
    return new Promise<UpstreamReply>((resolve, reject) => {
      const collector = new UnaryReplyCollector({
        timeoutMs: options.timeoutMs,
        maxBytes: this.maxResponseBytes,
        budget: this.buffered,
        signal: options.signal,
        resolve,
        reject: (err, timedOut) => reject(classifyTransportError(err, timedOut, options)),
      });
      this.agent.dispatch(
        {
          origin: options.origin,
          path: options.path,
          method: options.method,
          headers: options.headers,
          // undici writes an array of pieces as an iterable body (its typings leave iterables out).
          body: options.body as Buffer | string | undefined,
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        collector,
      );
    });
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
    // One controller for both reasons to stop: the deadline (until headers arrive) and the
    // caller going away (for the whole body). AbortSignal.timeout/any cost several times more.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    const outer = options.signal;
    const onOuterAbort = (): void => controller.abort(outer?.reason);
    if (outer) {
      if (outer.aborted) controller.abort(outer.reason);
      else outer.addEventListener('abort', onOuterAbort, { once: true });
    }
    const forget = (): void => outer?.removeEventListener('abort', onOuterAbort);
    try {
      const res = await this.agent.request({
        origin: options.origin,
        path: options.path,
        method: options.method,
        headers: options.headers,
        body: options.body as Buffer | string | undefined,
        signal: controller.signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.idleTimeoutMs ?? options.timeoutMs,
      });
      clearTimeout(timer);
      const body = res.body as unknown as Readable;
      if (outer) body.once('close', forget);
      const readAll = (): Promise<Buffer> => readBody(body, { maxBytes: this.maxResponseBytes, budget: this.buffered });
      return { status: res.statusCode, headers: res.headers, body, readAll };
    } catch (err) {
      clearTimeout(timer);
      forget();
      throw classifyTransportError(err, timedOut, options);
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
 * Reads a body to the end with a size cap and, when given, bytes reserved from a shared
 * budget while it is read (error replies of streamed calls); events rather than
 * `for await`, which costs a promise per chunk.
 */
export function readBody(stream: Readable, limits: { readonly maxBytes?: number; readonly budget?: ByteBudget } = {}): Promise<Buffer> {
  const maxBytes = limits.maxBytes ?? MAX_RESPONSE_BYTES;
  const budget = limits.budget;
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const settle = (err: unknown, body?: Buffer): void => {
      if (done) return;
      done = true;
      budget?.release(size * REPLY_BYTE_COST);
      chunks = [];
      if (err === undefined) resolve(body!);
      else reject(err);
    };
    const fail = (err: GatewayError): void => {
      stream.destroy();
      settle(err);
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > maxBytes)
        return fail(new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', { failure: 'bad_response' }));
      if (budget && !budget.tryReserve(chunk.length * REPLY_BYTE_COST)) return fail(budgetExhausted(budget));
      size += chunk.length;
      chunks.push(chunk);
    });
    stream.once('end', () => settle(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    stream.once('error', (err) => settle(err));
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
    return coded('upstream_timeout', undefined, {
      failure: 'timeout',
      detail,
    });
  }
  return new GatewayError('upstream_unavailable', 'Could not reach the upstream provider', {
    failure: 'connection',
    detail,
  });
}
