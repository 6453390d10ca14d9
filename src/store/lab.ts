/**
 * Rerank Lab's live-traffic figures: daily aggregates of shadow comparisons and of traffic
 * split arms, and fitted score calibrations. One implementation over both databases (the SQL
 * is standard; `ON CONFLICT ... DO UPDATE` adds a batch to the day's row atomically).
 */
import type { SqlDriver } from './eval.js';

/** Sums of one day's shadow comparisons for one alias and its shadow. */
export interface ShadowDaily {
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly alias: string;
  readonly shadow: string;
  /** Shadow calls compared with the served ranking. */
  readonly pairs: number;
  readonly errors: number;
  /** Sampled requests not sent: over max_qps, the cost cap or max_in_flight. */
  readonly skipped: number;
  readonly costUsd: number;
  readonly overlapSum: number;
  readonly jaccardSum: number;
  readonly rboSum: number;
  readonly rboMinSum: number;
  readonly rboMaxSum: number;
  /** Kendall tau-b is undefined with fewer than two shared documents: its own count. */
  readonly tauSum: number;
  readonly tauN: number;
  readonly top1Sum: number;
}

/** Sums of one day's traffic and feedback for one arm of a split alias. */
export interface SplitDaily {
  readonly day: string;
  readonly alias: string;
  readonly arm: string;
  readonly requests: number;
  readonly errors: number;
  readonly costUsd: number;
  readonly latencyMsSum: number;
  /** Feedback events received. */
  readonly feedback: number;
  /** Sum over feedback events of 1 / rank of the best clicked result (0 when it was not returned). */
  readonly rrSum: number;
  readonly clicksAt1: number;
  readonly clicksAt3: number;
  readonly clicksAt10: number;
}

export interface StoredCalibration {
  readonly id: string;
  /** `provider/model` the calibration applies to. */
  readonly target: string;
  readonly runId: string;
  readonly model: string;
  readonly method: string;
  readonly calibration: unknown;
  readonly pairs: number;
  readonly createdAt: string;
}

export interface LabStore {
  addShadow(rows: readonly ShadowDaily[]): Promise<void>;
  addSplits(rows: readonly SplitDaily[]): Promise<void>;
  /** Days `from`..`to` inclusive (`YYYY-MM-DD`). */
  shadowDays(from: string, to: string): Promise<ShadowDaily[]>;
  splitDays(from: string, to: string): Promise<SplitDaily[]>;
  /** Stores a calibration; the newest one of a target is the one applied. */
  addCalibration(c: StoredCalibration): Promise<void>;
  listCalibrations(): Promise<StoredCalibration[]>;
}

const SHADOW_SUMS = [
  ['pairs', 'pairs'],
  ['errors', 'errors'],
  ['skipped', 'skipped'],
  ['cost_usd', 'costUsd'],
  ['overlap_sum', 'overlapSum'],
  ['jaccard_sum', 'jaccardSum'],
  ['rbo_sum', 'rboSum'],
  ['rbo_min_sum', 'rboMinSum'],
  ['rbo_max_sum', 'rboMaxSum'],
  ['tau_sum', 'tauSum'],
  ['tau_n', 'tauN'],
  ['top1_sum', 'top1Sum'],
] as const;

const SPLIT_SUMS = [
  ['requests', 'requests'],
  ['errors', 'errors'],
  ['cost_usd', 'costUsd'],
  ['latency_ms_sum', 'latencyMsSum'],
  ['feedback', 'feedback'],
  ['rr_sum', 'rrSum'],
  ['clicks_at_1', 'clicksAt1'],
  ['clicks_at_3', 'clicksAt3'],
  ['clicks_at_10', 'clicksAt10'],
] as const;

function upsertSql(table: string, keys: readonly string[], sums: ReadonlyArray<readonly [string, string]>): string {
  const cols = [...keys, ...sums.map(([c]) => c)];
  const set = sums.map(([c]) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
  return `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${set}`;
}

const SHADOW_UPSERT = upsertSql('shadow_daily', ['day', 'alias', 'shadow'], SHADOW_SUMS);
const SPLIT_UPSERT = upsertSql('split_daily', ['day', 'alias', 'arm'], SPLIT_SUMS);

function fromRow<T>(r: Record<string, unknown>, keys: readonly string[], sums: ReadonlyArray<readonly [string, string]>): T {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = String(r[k]);
  for (const [c, f] of sums) out[f] = Number(r[c]);
  return out as T;
}

export class SqlLabStore implements LabStore {
  constructor(private readonly db: SqlDriver) {}

  async addShadow(rows: readonly ShadowDaily[]): Promise<void> {
    for (const r of rows) await this.db.run(SHADOW_UPSERT, [r.day, r.alias, r.shadow, ...SHADOW_SUMS.map(([, f]) => r[f])]);
  }

  async addSplits(rows: readonly SplitDaily[]): Promise<void> {
    for (const r of rows) await this.db.run(SPLIT_UPSERT, [r.day, r.alias, r.arm, ...SPLIT_SUMS.map(([, f]) => r[f])]);
  }

  async shadowDays(from: string, to: string): Promise<ShadowDaily[]> {
    const rows = await this.db.all('SELECT * FROM shadow_daily WHERE day >= ? AND day <= ? ORDER BY day, alias, shadow', [from, to]);
    return rows.map((r) => fromRow<ShadowDaily>(r, ['day', 'alias', 'shadow'], SHADOW_SUMS));
  }

  async splitDays(from: string, to: string): Promise<SplitDaily[]> {
    const rows = await this.db.all('SELECT * FROM split_daily WHERE day >= ? AND day <= ? ORDER BY day, alias, arm', [from, to]);
    return rows.map((r) => fromRow<SplitDaily>(r, ['day', 'alias', 'arm'], SPLIT_SUMS));
  }

  async addCalibration(c: StoredCalibration): Promise<void> {
    await this.db.run(
      'INSERT INTO calibrations (id, target, run_id, model, method, calibration, pairs, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [c.id, c.target, c.runId, c.model, c.method, JSON.stringify(c.calibration), c.pairs, c.createdAt],
    );
  }

  async listCalibrations(): Promise<StoredCalibration[]> {
    const rows = await this.db.all('SELECT * FROM calibrations ORDER BY created_at, id', []);
    return rows.map((r) => ({
      id: String(r.id),
      target: String(r.target),
      runId: String(r.run_id),
      model: String(r.model),
      method: String(r.method),
      calibration: JSON.parse(String(r.calibration)) as unknown,
      pairs: Number(r.pairs),
      createdAt: String(r.created_at),
    }));
  }
}

/** Tables of the lab store (a migration of `migrations.ts`); `real` is the dialect's float type. */
export function labTablesSql(real: string): string {
  const sums = (list: ReadonlyArray<readonly [string, string]>) => list.map(([c]) => `${c} ${real} NOT NULL DEFAULT 0`).join(',\n       ');
  return `CREATE TABLE shadow_daily (
       day TEXT NOT NULL,
       alias TEXT NOT NULL,
       shadow TEXT NOT NULL,
       ${sums(SHADOW_SUMS)},
       PRIMARY KEY (day, alias, shadow)
     );
     CREATE TABLE split_daily (
       day TEXT NOT NULL,
       alias TEXT NOT NULL,
       arm TEXT NOT NULL,
       ${sums(SPLIT_SUMS)},
       PRIMARY KEY (day, alias, arm)
     );
     CREATE TABLE calibrations (
       id TEXT PRIMARY KEY,
       target TEXT NOT NULL,
       run_id TEXT NOT NULL,
       model TEXT NOT NULL,
       method TEXT NOT NULL,
       calibration TEXT NOT NULL,
       pairs INTEGER NOT NULL,
       created_at TEXT NOT NULL
     );`;
}
