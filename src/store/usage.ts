import type { RequestContext } from '../core/context.js';
import type { RequestObserver } from '../server/proxy.js';
import { recordId } from './record-id.js';

/** One row per proxied request: who, what, where it went, what it cost. */
export interface UsageRecord {
  /** Unique per record, so a batch written twice is stored once. */
  readonly id: string;
  /** The request id (callers may send their own, so it need not be unique). */
  readonly requestId: string;
  readonly ts: string;
  readonly keyId: string;
  readonly surface: string;
  readonly alias: string | null;
  readonly provider: string | null;
  readonly upstreamModel: string | null;
  readonly status: number;
  readonly latencyMs: number;
  readonly documents: number;
  readonly chunks: number;
  readonly cacheHits: number;
  readonly attempts: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly searchUnits: number;
  readonly costUsd: number;
}

/** Where usage records end up (SQLite, PostgreSQL ...). Writes are batched by the caller. */
export interface UsageStore {
  insertBatch(records: readonly UsageRecord[]): Promise<void> | void;
}

export function usageRecordFrom(ctx: RequestContext, status: number, latencyMs: number): UsageRecord {
  const o = ctx.outcome;
  return {
    id: recordId(),
    requestId: ctx.requestId,
    ts: new Date().toISOString(),
    keyId: ctx.caller.keyId,
    surface: ctx.surface,
    alias: o.alias ?? null,
    provider: o.provider ?? null,
    upstreamModel: o.upstreamModel ?? null,
    status,
    latencyMs,
    documents: o.documents,
    chunks: o.chunks,
    cacheHits: o.cacheHits,
    attempts: o.attempts,
    inputTokens: o.usage?.inputTokens ?? 0,
    outputTokens: o.usage?.outputTokens ?? 0,
    searchUnits: o.usage?.searchUnits ?? 0,
    costUsd: o.costUsd,
  };
}

/**
 * Collects usage records off the hot path and writes them in batches: every `intervalMs`,
 * and as soon as `maxBatch` records are waiting. The size trigger keeps each write short
 * (an embedded SQLite insert runs on the event loop: a second's worth of records at a few
 * thousand requests per second would stall every request for tens of milliseconds) and
 * shrinks what a crash can lose under load. `close()` flushes the rest. Record ids are
 * primary keys, so a batch retried after a failure never double-counts.
 */
export class UsageRecorder implements RequestObserver {
  private buffer: UsageRecord[] = [];
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private pending?: NodeJS.Immediate;
  /** After a failed write only the interval retries, so a broken store is not hammered per batch. */
  private failing = false;

  constructor(
    private readonly store: UsageStore,
    private readonly onError: (err: unknown) => void,
    intervalMs = 1000,
    private readonly maxBatch = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  onResponse(ctx: RequestContext, status: number, durationMs: number): void {
    if (ctx.surface === 'unknown') return;
    this.buffer.push(usageRecordFrom(ctx, status, durationMs));
    // Written after the current response went out, never inside it.
    if (this.buffer.length >= this.maxBatch && this.pending === undefined && !this.failing) {
      this.pending = setImmediate(() => {
        this.pending = undefined;
        void this.flush();
      });
    }
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.buffer.length === 0) return;
      const batch = this.buffer;
      this.buffer = [];
      try {
        await this.store.insertBatch(batch);
        this.failing = false;
      } catch (err) {
        this.buffer = batch.concat(this.buffer);
        this.failing = true;
        this.onError(err);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.pending) clearImmediate(this.pending);
    await this.flush();
  }
}
