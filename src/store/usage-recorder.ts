import type { RequestContext } from '../core/context.js';
import type { JournalBacklog, UsageJournal } from './usage-journal.js';
import { usageRecordFrom, type UsageRecord, type UsageStore } from './usage.js';

export interface UsageRecorderOptions {
  readonly store: UsageStore;
  readonly journal: UsageJournal;
  readonly onError: (err: unknown) => void;
  /** How often waiting records are written (ms). */
  readonly intervalMs?: number;
  /** Records per insert; a batch this size is also written at once, without waiting. */
  readonly maxBatch?: number;
  /** While the store fails, the active segment is sealed at this size (one file per outage-second would pile up). */
  readonly segmentBytes?: number;
}

/** What the recorder reports about itself (metrics, readiness, the shutdown log). */
export interface UsageBacklog extends JournalBacklog {
  /** The store refused the last write; records wait in the journal. */
  readonly failing: boolean;
  /** 401 records not journaled because the backlog was over half the cap. */
  readonly skippedUnauthenticated: number;
  /** Records the journal could not take (its disk failed), held in memory until the store has them. */
  readonly unjournaled: number;
}

const MAX_BACKOFF_MS = 30_000;
/** After a failed append, requests are refused this long before the journal is tried again. */
const APPEND_RETRY_MS = 1000;

/**
 * Usage records, durable before the response ends. `record()` appends to the journal (see
 * UsageJournal) on the request path; writing to the database happens off it, in batches:
 * every `intervalMs`, and as soon as `maxBatch` records are waiting (short writes: an
 * embedded SQLite insert runs on the event loop). A failing store is retried with backoff up
 * to 30 s while records wait on disk; none is dropped. Record ids are primary keys, so a
 * batch written again after a crash or a failed checkpoint is stored once.
 */
export class UsageRecorder {
  private readonly timer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly segmentBytes: number;
  private flushing: Promise<void> = Promise.resolve();
  private scheduled?: NodeJS.Immediate;
  private failing = false;
  private failures = 0;
  private retryAt = 0;
  private skipped401 = 0;
  /** Records whose append failed (disk full or gone): written to the store first. */
  private unjournaled: UsageRecord[] = [];
  private appendFailedAt = -Infinity;
  private closed = false;

  constructor(private readonly options: UsageRecorderOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 1000;
    this.segmentBytes = options.segmentBytes ?? 4 * 1024 * 1024;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** Journals the request's record; call before the response's last byte goes out. */
  record(ctx: RequestContext, status: number, durationMs: number, route?: string): void {
    const journal = this.options.journal;
    // An unauthenticated flood during a store outage must not fill the disk for real callers.
    if (status === 401 && journal.over(0.5)) {
      this.skipped401++;
      return;
    }
    const record = usageRecordFrom(ctx, status, durationMs, route);
    try {
      journal.append(record);
    } catch (err) {
      // This answer keeps its record (in memory); new requests are refused until the disk takes writes again.
      this.unjournaled.push(record);
      this.appendFailedAt = Date.now();
      this.options.onError(err);
      return;
    }
    if (this.scheduled !== undefined || this.failing) return;
    if (journal.pending >= this.maxBatch) {
      // Written after the current response went out, never inside it.
      this.scheduled = setImmediate(() => {
        this.scheduled = undefined;
        void this.flush();
      });
    }
  }

  /** At the journal's cap: the proxy refuses new requests rather than serve them unrecorded. */
  full(): boolean {
    return this.options.journal.full() || Date.now() - this.appendFailedAt < APPEND_RETRY_MS;
  }

  /** Near the cap (90%): readiness fails so a load balancer sends traffic elsewhere. */
  nearCap(): boolean {
    return this.options.journal.over(0.9);
  }

  backlog(): UsageBacklog {
    return {
      ...this.options.journal.backlog(),
      failing: this.failing,
      skippedUnauthenticated: this.skipped401,
      unjournaled: this.unjournaled.length,
    };
  }

  private tick(): Promise<void> | undefined {
    if (this.failing && Date.now() < this.retryAt) {
      // Keep files a sensible size during an outage, and the memory flat.
      if (this.options.journal.activeBytes >= this.segmentBytes) this.options.journal.seal();
      return undefined;
    }
    return this.flush();
  }

  /** Seals what was appended and writes every sealed segment, oldest first. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.drain());
    return this.flushing;
  }

  private async drain(): Promise<void> {
    const journal = this.options.journal;
    if (!this.closed) journal.seal();
    if (this.unjournaled.length > 0) {
      const held = this.unjournaled;
      this.unjournaled = [];
      try {
        await this.options.store.insertBatch(held);
      } catch (err) {
        this.unjournaled = held.concat(this.unjournaled);
        this.options.onError(err);
        return;
      }
    }
    for (let segment = journal.oldest(); segment; segment = journal.oldest()) {
      try {
        const records = journal.read(segment);
        for (let at = 0; at < records.length; at += this.maxBatch) {
          if (at > 0) await new Promise((r) => setImmediate(r));
          await this.options.store.insertBatch(records.slice(at, at + this.maxBatch));
        }
      } catch (err) {
        if (!this.failing) journal.setKeepInMemory(false);
        this.failing = true;
        this.failures++;
        this.retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.min(this.failures - 1, 10));
        this.options.onError(err);
        return;
      }
      journal.stored(segment);
      if (this.failing) {
        this.failing = false;
        this.failures = 0;
        journal.setKeepInMemory(true);
      }
    }
  }

  /** Writes what it can, closes the journal and says what is left in it (durable for the next start). */
  async close(): Promise<UsageBacklog> {
    clearInterval(this.timer);
    if (this.scheduled) clearImmediate(this.scheduled);
    this.options.journal.seal();
    this.closed = true;
    await this.flush();
    this.options.journal.close();
    return this.backlog();
  }
}
