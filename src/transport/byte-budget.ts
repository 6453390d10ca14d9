import { GatewayError } from '../errors/gateway-error.js';

/** Default of `server.max_buffered_upstream_bytes`: sized for a small (2-core, ~1 GB) host. */
export const DEFAULT_MAX_BUFFERED_UPSTREAM_BYTES = 256 * 1024 * 1024;

/**
 * What one buffered reply byte costs in memory: the byte itself, the text a provider decodes
 * from it and the values `JSON.parse` builds from that text (the reservation lasts through
 * the parse). Measured on 50 MB JSON replies: each copy took about as much as the bytes.
 */
export const REPLY_BYTE_COST = 3;

/**
 * Memory for upstream responses the whole gateway may hold at once. Each reply reserves what
 * it buffers (times `REPLY_BYTE_COST`) and gives it back when it is done or fails; a reply
 * that cannot reserve is shed, so many large answers at once cost a bounded amount of memory
 * instead of all of it.
 *
 * @example
 * const budget = new ByteBudget(256 * 1024 * 1024);
 * if (!budget.tryReserve(chunk.length)) throw budgetExhausted(budget);
 * // ... later, once the reply is handed on:
 * budget.release(held);
 */
export class ByteBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  /** Takes `bytes` if they fit; false (and nothing taken) otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /** Bytes reserved right now (the `rankway_upstream_buffered_bytes` gauge). */
  get inUse(): number {
    return this.used;
  }
}

/** A reply refused for lack of budget: 503 overloaded with Retry-After; other targets may still serve. */
export function budgetExhausted(budget: ByteBudget): GatewayError {
  return new GatewayError('overloaded', 'Rankway is holding as many upstream response bytes as it allows; retry shortly', {
    failure: 'capacity',
    retryAfterMs: 1000,
    detail: `max_buffered_upstream_bytes (${budget.capacity}) in use by other replies`,
  });
}
