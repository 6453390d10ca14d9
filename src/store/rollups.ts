import type { UsageRecord } from './usage.js';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** The open end of a range with no `to` (9999-12-31, inside every backend's timestamp range). */
export const END_OF_TIME = 253_402_300_800_000;

/**
 * Totals of the records in one time bucket that share key, alias, provider and status class.
 * Alias and provider are `''` when the record had none (they are part of the primary key).
 * Latency is kept as a sum; `requests` is its count.
 */
export interface RollupRow {
  readonly bucket: number;
  readonly keyId: string;
  readonly alias: string;
  readonly provider: string;
  readonly statusClass: number;
  requests: number;
  documents: number;
  inputTokens: number;
  outputTokens: number;
  searchUnits: number;
  costUsd: number;
  latencyMsSum: number;
  /** Requests recorded for a model with no price. */
  unpriced: number;
}

/**
 * The rollup rows `records` add to buckets of `grainMs` (hour or day), in primary-key order:
 * every writer upserts rows in the same order, so two instances never deadlock on them.
 */
export function rollUp(records: readonly UsageRecord[], grainMs: number): RollupRow[] {
  const rows = new Map<string, RollupRow>();
  for (const r of records) {
    const bucket = r.ts - (r.ts % grainMs);
    const alias = r.alias ?? '';
    const provider = r.provider ?? '';
    const statusClass = Math.floor(r.status / 100);
    const id = `${bucket}\u0000${r.keyId}\u0000${alias}\u0000${provider}\u0000${statusClass}`;
    let row = rows.get(id);
    if (!row) {
      row = {
        bucket,
        keyId: r.keyId,
        alias,
        provider,
        statusClass,
        requests: 0,
        documents: 0,
        inputTokens: 0,
        outputTokens: 0,
        searchUnits: 0,
        costUsd: 0,
        latencyMsSum: 0,
        unpriced: 0,
      };
      rows.set(id, row);
    }
    row.requests++;
    row.documents += r.documents;
    row.inputTokens += r.inputTokens;
    row.outputTokens += r.outputTokens;
    row.searchUnits += r.searchUnits;
    row.costUsd += r.costUsd;
    row.latencyMsSum += r.latencyMs;
    if (r.unpriced) row.unpriced++;
  }
  return [...rows.values()].sort(compareRows);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareRows = (a: RollupRow, b: RollupRow): number =>
  a.bucket - b.bucket || cmp(a.keyId, b.keyId) || cmp(a.alias, b.alias) || cmp(a.provider, b.provider) || a.statusClass - b.statusClass;

/** Which table answers which part of a range `[from, to)` (epoch ms). */
export interface RangePieces {
  readonly daily: (readonly [number, number])[];
  readonly hourly: (readonly [number, number])[];
  readonly raw: (readonly [number, number])[];
}

/**
 * Splits a report range so whole days come from the daily rollup, whole hours at its edges
 * from the hourly one, and only the minutes at either end from raw records: at most two
 * partial hours of raw rows whatever the range, so any report stays fast, and exact.
 */
export function splitRange(from: number, to: number): RangePieces {
  const out: RangePieces = { daily: [], hourly: [], raw: [] };
  if (!(from < to)) return out;
  const raw = (a: number, b: number): void => {
    if (a < b) out.raw.push([a, b]);
  };
  const hours = (a: number, b: number): void => {
    const h0 = ceilTo(a, HOUR_MS);
    const h1 = floorTo(b, HOUR_MS);
    if (h0 >= h1) {
      raw(a, b);
      return;
    }
    out.hourly.push([h0, h1]);
    raw(a, h0);
    raw(h1, b);
  };
  const d0 = ceilTo(from, DAY_MS);
  const d1 = floorTo(to, DAY_MS);
  if (d0 >= d1) {
    hours(from, to);
    return out;
  }
  out.daily.push([d0, d1]);
  hours(from, d0);
  hours(d1, to);
  return out;
}

const floorTo = (ms: number, unit: number): number => Math.floor(ms / unit) * unit;
const ceilTo = (ms: number, unit: number): number => Math.ceil(ms / unit) * unit;
