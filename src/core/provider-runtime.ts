import { isSplicedJson, splicedBytes, splicedChunks } from '../canonical/raw-json.js';
import type { LoadedProvider } from '../config/load.js';
import { createUpstreamAuth } from '../auth/upstream/factory.js';
import type { UpstreamAuth } from '../auth/upstream/types.js';
import { coded, GatewayError } from '../errors/gateway-error.js';
import type { HttpCall, UpstreamReply } from '../providers/types.js';
import type { HttpClient, OpenedReply } from '../transport/http-client.js';
import type { RequestContext } from './context.js';
import { SlidingWindowLimit } from './rate-window.js';
import { Semaphore } from './semaphore.js';

interface Endpoint {
  readonly origin: string;
  readonly prefix: string;
}

const PATH_NOT_SERVED = new Set([404, 405, 501]);

/**
 * A provider instance at run time: its adapter plus the signer, the pool, the
 * concurrency gate and what it learnt (which alternative path works).
 */
export class ProviderRuntime {
  readonly name: string;
  readonly config: LoadedProvider['config'];
  readonly adapter: LoadedProvider['adapter'];
  readonly concurrency: Semaphore;
  /** `requests_per_minute` of this provider, when configured. */
  readonly rate?: SlidingWindowLimit;
  private readonly auth: UpstreamAuth;
  private readonly endpointAuth = new Map<string, UpstreamAuth>();
  private readonly endpoints: ReadonlyMap<string, Endpoint>;
  private readonly workingPath = new Map<string, string>();
  private readonly staticHeaders: Readonly<Record<string, string>>;

  constructor(
    provider: LoadedProvider,
    private readonly http: HttpClient,
    auth?: UpstreamAuth,
  ) {
    this.name = provider.name;
    this.config = provider.config;
    this.adapter = provider.adapter;
    this.auth = auth ?? createUpstreamAuth(provider.adapter.auth);
    for (const [name, spec] of Object.entries(provider.adapter.endpointAuth ?? {})) this.endpointAuth.set(name, createUpstreamAuth(spec));
    // Load shedding: beyond max_queue waiting calls, refuse at once (503 + Retry-After, or the
    // next target) instead of holding ever more requests in memory.
    this.concurrency = new Semaphore(provider.config.max_concurrency, {
      maxQueue: provider.config.max_queue,
      onFull: () =>
        coded(
          'provider_at_capacity',
          { provider: provider.name },
          {
            failure: 'capacity',
            retryAfterMs: 1000,
            detail: `provider ${provider.name}: ${provider.config.max_concurrency} calls in flight and ${provider.config.max_queue} queued`,
          },
        ),
    });
    if (provider.config.requests_per_minute) this.rate = new SlidingWindowLimit(provider.config.requests_per_minute);
    this.staticHeaders = provider.config.headers;
    const endpoints = new Map<string, Endpoint>();
    for (const [key, base] of Object.entries(provider.adapter.endpoints)) {
      const url = new URL(base);
      endpoints.set(key, { origin: url.origin, prefix: url.pathname.replace(/\/$/, '') });
    }
    this.endpoints = endpoints;
  }

  /**
   * Waits for this provider's rate and concurrency limits, at most `queue_timeout_ms` (and
   * never past `deadline`). Throws a `capacity` failure, which falls back to the next target
   * instead of earning an upstream 429; on success the caller must `releaseSlot()`.
   */
  async acquireSlot(deadline: number): Promise<void> {
    const budget = Math.max(0, Math.min(this.config.queue_timeout_ms, deadline - Date.now()));
    const started = Date.now();
    if (this.rate) {
      const wait = this.rate.reserve(budget);
      if (wait === undefined) throw this.busy(`requests_per_minute (${this.rate.limit})`);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const left = budget - (Date.now() - started);
    if (!(await this.concurrency.acquireWithin(left))) throw this.busy(`max_concurrency (${this.concurrency.capacity})`);
  }

  releaseSlot(): void {
    this.concurrency.release();
  }

  private busy(limit: string): GatewayError {
    return coded('provider_busy', undefined, {
      failure: 'capacity',
      detail: `provider ${this.name} reached ${limit} and the call waited queue_timeout_ms`,
    });
  }

  /**
   * Sends one call, trying alternative paths when the server does not serve the first;
   * returns any HTTP answer (errors included) and throws only for transport failures.
   */
  async send(call: HttpCall, timeoutMs: number, ctx?: RequestContext): Promise<UpstreamReply> {
    const endpoint = this.endpoints.get(call.endpoint ?? 'default');
    if (!endpoint) throw new GatewayError('internal_error', `provider ${this.name} has no endpoint ${call.endpoint ?? 'default'}`);
    const body = encodeBody(
      call.body,
      !BODY_FREE_AUTH.has((call.endpoint && this.adapter.endpointAuth?.[call.endpoint]?.scheme) || this.adapter.auth.scheme),
    );
    const candidates = call.alternativePaths ? [call.path, ...call.alternativePaths] : [call.path];
    const remembered = this.workingPath.get(call.path);
    const ordered = remembered ? [remembered, ...candidates.filter((p) => p !== remembered)] : candidates;

    let reply: UpstreamReply | undefined;
    for (const path of ordered) {
      reply = await this.sendOnce(endpoint, path, call, body, timeoutMs, ctx?.span);
      if (!PATH_NOT_SERVED.has(reply.status) || ordered.length === 1) {
        if (candidates.length > 1 && reply.status < 400) this.workingPath.set(call.path, path);
        return reply;
      }
    }
    return reply!;
  }

  /**
   * Opens a streamed call (no alternative paths): resolves once headers arrived, the body
   * still on the wire. `signal` aborts it when the caller goes away.
   */
  async open(
    call: HttpCall,
    options: { readonly timeoutMs: number; readonly signal?: AbortSignal; readonly ctx?: RequestContext },
  ): Promise<OpenedReply> {
    const endpoint = this.endpoints.get(call.endpoint ?? 'default');
    if (!endpoint) throw new GatewayError('internal_error', `provider ${this.name} has no endpoint ${call.endpoint ?? 'default'}`);
    // Streams are small requests (chat): always one buffer.
    const body = encodeBody(call.body) as Buffer | string | undefined;
    const fullPath = endpoint.prefix + call.path;
    const headers: Record<string, string> = { ...this.staticHeaders, ...call.headers };
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    await this.signerFor(call).apply({ method: call.method, origin: endpoint.origin, path: fullPath, headers, body });
    return this.http.open({
      origin: endpoint.origin,
      path: fullPath,
      method: call.method,
      headers,
      body,
      timeoutMs: options.timeoutMs,
      idleTimeoutMs: this.config.timeout_ms,
      signal: options.signal,
      parentSpan: options.ctx?.span,
      provider: this.name,
    });
  }

  private signerFor(call: HttpCall): UpstreamAuth {
    return (call.endpoint && this.endpointAuth.get(call.endpoint)) || this.auth;
  }

  private async sendOnce(
    endpoint: Endpoint,
    path: string,
    call: HttpCall,
    body: Buffer | string | readonly Buffer[] | undefined,
    timeoutMs: number,
    parentSpan: RequestContext['span'],
  ): Promise<UpstreamReply> {
    const fullPath = endpoint.prefix + path;
    const headers: Record<string, string> = { ...this.staticHeaders, ...call.headers };
    if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    headers.accept ??= 'application/json';
    const pieces = Array.isArray(body) ? (body as readonly Buffer[]) : undefined;
    if (pieces) headers['content-length'] = String(pieces.reduce((n, p) => n + p.length, 0));
    await this.signerFor(call).apply({
      method: call.method,
      origin: endpoint.origin,
      path: fullPath,
      headers,
      body: pieces ? undefined : (body as Buffer | string | undefined),
    });
    return this.http.send({
      origin: endpoint.origin,
      path: fullPath,
      method: call.method,
      headers,
      body,
      timeoutMs,
      parentSpan,
      provider: this.name,
    });
  }
}

/** Up to this size a spliced body is copied into one buffer (one socket write beats several). */
const SPLICE_COPY_MAX = 64 * 1024;

/** Schemes whose signature does not cover the body (it may then go out in pieces). */
const BODY_FREE_AUTH = new Set(['none', 'bearer', 'header']);

/**
 * JSON bodies become bytes once, here; spliced rerank bodies are copied from the caller's
 * bytes (see canonical/raw-json.ts) without being serialised at all.
 */
function encodeBody(body: unknown, signsBody = true): Buffer | string | readonly Buffer[] | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (isSplicedJson(body)) {
    // Large and not signed: written as pieces of the caller's body, never copied into one buffer.
    if (!signsBody && body.documents.raw.bytes.length > SPLICE_COPY_MAX) return splicedChunks(body);
    return splicedBytes(body);
  }
  // Straight to UTF-8: an ASCII pre-check (Buffer.byteLength) measured no faster and cost a full scan.
  return Buffer.from(JSON.stringify(body), 'utf8');
}
