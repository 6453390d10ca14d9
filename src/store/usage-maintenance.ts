import type { Logger } from '../observability/log.js';
import type { ControlStore } from './repository.js';
import { DAY_MS } from './rollups.js';

export interface UsageMaintenanceOptions {
  /** Raw records and hourly totals older than this many days are deleted; undefined keeps them. */
  readonly retentionDays?: number;
  readonly logger: Logger;
  /** How often retention runs (ms); it also runs shortly after start. */
  readonly retentionIntervalMs?: number;
  /** Rows per step: each step is one short statement, so the event loop and the database stay responsive. */
  readonly batch?: number;
}

/**
 * Background upkeep of the usage tables, in small steps that yield between them: moving rows
 * of the text-timestamp table the typed-timestamp migration renamed (start-up never waits for
 * it), and retention. A failing step is logged and tried again at the next run.
 */
export class UsageMaintenance {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly batch: number;

  constructor(
    private readonly store: ControlStore,
    private readonly options: UsageMaintenanceOptions,
  ) {
    this.batch = options.batch ?? 1000;
  }

  start(): void {
    this.running = this.running.then(() => this.migrate());
    if (this.options.retentionDays !== undefined) this.schedule(5000);
  }

  /** Runs retention now (tests, and the timer). Resolves with the rows deleted. */
  prune(now = Date.now()): Promise<number> {
    let deleted = 0;
    const step = this.running.then(async () => {
      const days = this.options.retentionDays;
      if (days === undefined) return;
      const before = now - days * DAY_MS;
      for (;;) {
        if (this.stopped) return;
        const n = await this.store.pruneUsage(before, this.batch);
        deleted += n;
        if (n < this.batch) break;
        await yieldTurn();
      }
      if (deleted > 0) this.options.logger.info({ deleted, retentionDays: days }, 'usage retention: old records deleted');
    });
    this.running = step.catch((err: unknown) => this.options.logger.warn({ err }, 'usage retention failed; retrying at the next run'));
    return step.then(() => deleted);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Resolves once the old table is gone (or the process stops). */
  whenMigrated(): Promise<void> {
    return this.running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.prune().finally(() => {
        if (!this.stopped) this.schedule(this.options.retentionIntervalMs ?? 3_600_000);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async migrate(): Promise<void> {
    let total = 0;
    try {
      for (;;) {
        if (this.stopped) return;
        const { moved, done } = await this.store.migrateLegacyUsage(this.batch);
        total += moved;
        if (done) break;
        await yieldTurn();
      }
      if (total > 0) this.options.logger.info({ records: total }, 'usage records moved to typed timestamps and rollups');
    } catch (err) {
      this.options.logger.warn({ err, moved: total }, 'moving old usage records failed; the next start resumes');
    }
  }
}

/** A pause between steps: an embedded SQLite step runs on the event loop, so requests get most of it. */
const yieldTurn = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
