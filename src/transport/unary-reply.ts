import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import type { UpstreamReply } from '../providers/types.js';
import { budgetExhausted, REPLY_BYTE_COST, type ByteBudget } from './byte-budget.js';

type Controller = Dispatcher.DispatchController;
type Headers = UpstreamReply['headers'];

export interface UnaryReplyOptions {
  readonly timeoutMs: number;
  /** Cap on this one reply. */
  readonly maxBytes: number;
  /** The gateway-wide allowance of buffered reply bytes; absent = only `maxBytes` applies. */
  readonly budget?: ByteBudget;
  readonly signal?: AbortSignal;
  readonly resolve: (reply: UpstreamReply) => void;
  /** `timedOut` tells a deadline from any other failure. */
  readonly reject: (err: unknown, timedOut: boolean) => void;
}

/**
 * Collects one whole upstream reply straight from undici's dispatch callbacks. The
 * `request()` API would build a Readable body, an AbortController and their listeners for
 * every call; a unary reply needs none of that, only its chunks, a deadline and size caps.
 *
 * The deadline settles the call at once, even while it still waits for a pooled
 * connection; the request itself is aborted as soon as undici hands us its controller.
 *
 * Bytes are reserved from the shared budget (at `REPLY_BYTE_COST` each) before they are kept: the whole declared
 * `content-length` when the reply starts (so a reply that cannot fit is shed before any of
 * it is read, and its chunks are copied into one buffer of that size as they come instead
 * of being joined at the end), otherwise each chunk as it arrives. The reservation is
 * returned when the call fails, or once the caller has had the reply for a turn of the
 * event loop: parsing a reply is synchronous after the await that receives it, so the
 * bytes stay counted while their decoded copies exist.
 */
export class UnaryReplyCollector implements Dispatcher.DispatchHandler {
  private controller?: Controller;
  private status = 0;
  private headers: Headers = {};
  private chunks: Buffer[] = [];
  /** The whole body when its length was declared; chunks are copied in as they arrive. */
  private whole?: Buffer;
  private size = 0;
  /** Bytes taken from the budget so far. */
  private reserved = 0;
  private settled = false;
  private abortReason?: Error;
  private readonly timer: NodeJS.Timeout;
  private readonly onOuterAbort?: () => void;

  constructor(private readonly options: UnaryReplyOptions) {
    this.timer = setTimeout(() => this.stop(new DeadlineExceeded(), true), options.timeoutMs);
    const { signal } = options;
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

  onResponseStart(controller: Controller, statusCode: number, headers: Headers): void {
    this.status = statusCode;
    this.headers = headers;
    const declared = Number(headers['content-length']);
    if (!(declared > 0)) return;
    if (declared > this.options.maxBytes) {
      this.refuse(controller, tooLarge());
      return;
    }
    const budget = this.options.budget;
    if (!budget) return;
    if (!budget.tryReserve(declared * REPLY_BYTE_COST)) {
      this.refuse(controller, budgetExhausted(budget));
      return;
    }
    this.reserved = declared * REPLY_BYTE_COST;
    this.whole = Buffer.allocUnsafe(declared);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) {
      this.refuse(controller, tooLarge());
      return;
    }
    const whole = this.whole;
    if (whole && this.size <= whole.length) {
      chunk.copy(whole, this.size - chunk.length);
      return;
    }
    if (whole) {
      // More than declared (undici normally refuses that): keep what came as chunks.
      this.chunks.push(whole.subarray(0, this.size - chunk.length));
      this.whole = undefined;
    }
    const budget = this.options.budget;
    const cost = this.size * REPLY_BYTE_COST;
    if (budget && cost > this.reserved) {
      const more = cost - this.reserved;
      if (!budget.tryReserve(more)) {
        this.refuse(controller, budgetExhausted(budget));
        return;
      }
      this.reserved = cost;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    const { chunks, size, whole } = this;
    const body = whole ? whole.subarray(0, size) : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
    const reserved = this.reserved;
    this.reserved = 0;
    this.finish();
    this.options.resolve({ status: this.status, headers: this.headers, body });
    if (reserved > 0) setImmediate(releaseLater, this.options.budget, reserved);
  }

  onResponseError(_controller: Controller, err: Error): void {
    if (this.finish()) this.options.reject(err, false);
  }

  /** Fails the call on a cap and stops the transfer. */
  private refuse(controller: Controller, err: GatewayError): void {
    if (!this.finish()) return;
    this.options.reject(err, false);
    controller.abort(new Error(err.message));
  }

  /** Ends the call early (deadline or caller abort): answers now, aborts the request when it can. */
  private stop(reason: Error, timedOut: boolean): void {
    if (!this.finish()) return;
    this.abortReason = reason;
    this.options.reject(reason, timedOut);
    this.controller?.abort(reason);
  }

  /** Marks the call settled, drops its timer, listener, chunks and reservation; false when it already was. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.onOuterAbort) this.options.signal!.removeEventListener('abort', this.onOuterAbort);
    this.chunks = [];
    this.whole = undefined;
    if (this.reserved > 0) this.options.budget?.release(this.reserved);
    this.reserved = 0;
    return true;
  }
}

const releaseLater = (budget: ByteBudget | undefined, bytes: number): void => budget?.release(bytes);

const tooLarge = (): GatewayError =>
  new GatewayError('upstream_bad_response', 'Upstream response exceeded the size limit', { failure: 'bad_response' });

class DeadlineExceeded extends Error {
  override readonly name = 'TimeoutError';
  constructor() {
    super('attempt deadline exceeded');
  }
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('aborted'), { name: 'AbortError' });
}
