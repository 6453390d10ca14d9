import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamReply } from '../providers/types.js';

type Controller = Dispatcher.DispatchController;
type Headers = UpstreamReply['headers'];

/**
 * Collects one whole upstream reply straight from undici's dispatch callbacks. The
 * `request()` API would build a Readable body, an AbortController and their listeners for
 * every call; a unary reply needs none of that, only its chunks, a deadline and a size cap.
 *
 * The deadline settles the call at once, even while it still waits for a pooled
 * connection; the request itself is aborted as soon as undici hands us its controller.
 */
export class UnaryReplyCollector implements Dispatcher.DispatchHandler {
  private controller?: Controller;
  private status = 0;
  private headers: Headers = {};
  private chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private abortReason?: Error;
  private readonly timer: NodeJS.Timeout;
  private readonly onOuterAbort?: () => void;

  constructor(
    timeoutMs: number,
    private readonly maxBytes: number,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (reply: UpstreamReply) => void,
    /** `timedOut` tells a deadline from any other failure. */
    private readonly reject: (err: unknown, timedOut: boolean) => void,
  ) {
    this.timer = setTimeout(() => this.stop(new DeadlineExceeded(), true), timeoutMs);
    if (signal) {
      this.onOuterAbort = () => this.stop(abortError(signal), false);
      if (signal.aborted) this.onOuterAbort();
      else signal.addEventListener('abort', this.onOuterAbort, { once: true });
    }
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.abortReason) controller.abort(this.abortReason);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: Headers): void {
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      this.finish();
      this.reject(new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', { failure: 'bad_response' }), false);
      controller.abort(new Error('response size limit'));
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (!this.finish()) return;
    const { chunks } = this;
    this.resolve({ status: this.status, headers: this.headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, this.size) });
  }

  onResponseError(_controller: Controller, err: Error): void {
    if (this.finish()) this.reject(err, false);
  }

  /** Ends the call early (deadline or caller abort): answers now, aborts the request when it can. */
  private stop(reason: Error, timedOut: boolean): void {
    if (!this.finish()) return;
    this.abortReason = reason;
    this.reject(reason, timedOut);
    this.controller?.abort(reason);
  }

  /** Marks the call settled and drops its timer and listener; false when it already was. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.onOuterAbort) this.signal!.removeEventListener('abort', this.onOuterAbort);
    return true;
  }
}

class DeadlineExceeded extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('attempt deadline exceeded');
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('aborted'), { name: 'AbortError' });
}
