import type { Logger } from '../../observability/log.js';
import type { LabStore, ShadowDaily, SplitDaily } from '../../store/lab.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

const emptyShadow = (day: string, alias: string, shadow: string): Mutable<ShadowDaily> => ({
  day,
  alias,
  shadow,
  pairs: 0,
  errors: 0,
  skipped: 0,
  costUsd: 0,
  overlapSum: 0,
  jaccardSum: 0,
  rboSum: 0,
  rboMinSum: 0,
  rboMaxSum: 0,
  tauSum: 0,
  tauN: 0,
  top1Sum: 0,
});

const emptySplit = (day: string, alias: string, arm: string): Mutable<SplitDaily> => ({
  day,
  alias,
  arm,
  requests: 0,
  errors: 0,
  costUsd: 0,
  latencyMsSum: 0,
  feedback: 0,
  rrSum: 0,
  clicksAt1: 0,
  clicksAt3: 0,
  clicksAt10: 0,
});

/**
 * Daily sums of shadow comparisons and split arms, added up in memory and written to the
 * database every few seconds (one upsert per row touched), so the request path never waits
 * on a write. Rows whose write failed are kept and retried with the next flush.
 */
export class LabAggregates {
  private shadowRows = new Map<string, Mutable<ShadowDaily>>();
  private splitRows = new Map<string, Mutable<SplitDaily>>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: () => LabStore | undefined,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    intervalMs = 5000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** The row of today for a shadowed alias, to add to. */
  shadow(alias: string, shadow: string): Mutable<ShadowDaily> {
    const day = utcDay(this.now());
    const id = `${day}\u0000${alias}\u0000${shadow}`;
    let row = this.shadowRows.get(id);
    if (!row) {
      row = emptyShadow(day, alias, shadow);
      this.shadowRows.set(id, row);
    }
    return row;
  }

  /** The row of today for an arm of a split alias, to add to. */
  split(alias: string, arm: string): Mutable<SplitDaily> {
    const day = utcDay(this.now());
    const id = `${day}\u0000${alias}\u0000${arm}`;
    let row = this.splitRows.get(id);
    if (!row) {
      row = emptySplit(day, alias, arm);
      this.splitRows.set(id, row);
    }
    return row;
  }

  /** Writes what was added since the last flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write());
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.shadowRows.size === 0 && this.splitRows.size === 0) return;
    const store = this.store();
    if (!store) return;
    const shadows = this.shadowRows;
    const splits = this.splitRows;
    this.shadowRows = new Map();
    this.splitRows = new Map();
    await this.writeOne(shadows, this.shadowRows, (rows) => store.addShadow(rows));
    await this.writeOne(splits, this.splitRows, (rows) => store.addSplits(rows));
  }

  private async writeOne<T extends object>(
    rows: Map<string, T>,
    pending: Map<string, T>,
    add: (rows: T[]) => Promise<void>,
  ): Promise<void> {
    if (rows.size === 0) return;
    try {
      await add([...rows.values()]);
    } catch (err) {
      // Upserts add: put the sums back (merged with anything added meanwhile) for the next try.
      for (const [id, r] of rows) mergeInto(pending, id, r);
      this.logger.warn({ err }, 'Rerank Lab aggregates not written; retrying with the next flush');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}

function mergeInto<T extends object>(rows: Map<string, T>, id: string, r: T): void {
  const cur = rows.get(id);
  if (!cur) return void rows.set(id, r);
  const c = cur as Record<string, unknown>;
  for (const [k, v] of Object.entries(r)) if (typeof v === 'number') c[k] = (c[k] as number) + v;
}
