import type { Readable } from 'node:stream';
import { Agent, errors as undiciErrors } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
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

  constructor(options: { connectionsPerOrigin?: number } = {}) {
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 128,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      pipelining: 1,
    });
  }

  async send(options: SendOptions): Promise<UpstreamReply> {
    // One timer and one controller per attempt: AbortSignal.timeout/any cost several times more.
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
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) {
          res.body.destroy();
          throw new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', {
            failure: 'bad_response',
          });
        }
        chunks.push(chunk);
      }
      return {
        status: res.statusCode,
        headers: res.headers,
        body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
      };
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
  async open(options: SendOptions & { readonly idleTimeoutMs?: number }): Promise<OpenedReply> {
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

/** Reads a streamed body to the end (error replies are small), with the same size cap. */
export async function readBody(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', { failure: 'bad_response' });
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}
