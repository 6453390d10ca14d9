import { END_OF_TIME } from './rollups.js';
import type { Dialect } from './usage-sql.js';
import type { SqlDriver } from './eval.js';
import type { RequestDetail, UsageRecord } from './usage.js';

/**
 * The console's reads over usage: time series, latency percentiles and the request list and
 * detail, one implementation over both databases (times are epoch ms in SQLite and timestamptz
 * in PostgreSQL; `ms` and `param` convert).
 */

/** Totals of one slice of time (or of a whole range). */
export interface SeriesTotals {
  requests: number;
  errors: number;
  documents: number;
  inputTokens: number;
  outputTokens: number;
  searchUnits: number;
  costUsd: number;
  latencyMsSum: number;
}

/** One UTC hour (or minute) of totals, as stored; the caller buckets it into the viewer's zone. */
export interface SeriesSlice extends SeriesTotals {
  /** Start of the slice, epoch ms. */
  readonly at: number;
}

/** Latencies (whole ms) with their counts, plus errors per status and cache hits, over a range. */
export interface LatencyProfile {
  readonly histogram: readonly (readonly [number, number])[];
  readonly errorsByStatus: Readonly<Record<string, number>>;
  readonly cacheHits: number;
  readonly cacheDocuments: number;
}

export interface RequestFilter {
  readonly from?: number;
  readonly to?: number;
  readonly keyId?: string;
  readonly model?: string;
  readonly provider?: string;
  readonly surface?: string;
  /** An exact status, or a class: 2, 4 or 5 (`2xx` ...), or 'error' (>= 400). */
  readonly status?: number | 'error' | { readonly class: number };
  readonly minLatencyMs?: number;
  readonly maxLatencyMs?: number;
  /** Keyset cursor: rows strictly before (ts, id) in (ts desc, id desc) order. */
  readonly before?: { readonly ts: number; readonly id: string };
  readonly limit: number;
}

/** A list row: the usage columns, never the detail. */
export type RequestRow = Omit<UsageRecord, 'detail' | 'unpriced'>;

export interface RequestWithDetail extends RequestRow {
  readonly detail: RequestDetail | null;
}

export interface ConsoleStore {
  /** Hourly rollup slices in `[from, to)` (whole UTC hours only), errors kept apart by status class. */
  hourlySlices(from: number, to: number, keyId?: string): Promise<SeriesSlice[]>;
  /** Per-minute slices from raw records over the given ranges (the edges a zone's buckets cut through). */
  minuteSlices(ranges: readonly (readonly [number, number])[], keyId?: string): Promise<SeriesSlice[]>;
  latencyProfile(from: number, to: number, keyId?: string): Promise<LatencyProfile>;
  listRequests(filter: RequestFilter): Promise<RequestRow[]>;
  getRequest(id: string): Promise<RequestWithDetail | undefined>;
  /** Builds the console's indexes if missing; run after start-up (it can take seconds on a large table). */
  ensureIndexes(): Promise<void>;
}

/** Indexes for the Overview's one scan (covering) and the request list's common filters. */
const INDEXES = [
  'CREATE INDEX IF NOT EXISTS usage_records_console ON usage_records (ts, latency_ms, status, cache_hits, documents)',
  'CREATE INDEX IF NOT EXISTS usage_records_status_ts ON usage_records (status, ts)',
  'CREATE INDEX IF NOT EXISTS usage_records_alias_ts ON usage_records (alias, ts)',
];

const LIST_COLUMNS =
  'id, request_id, ts, key_id, surface, alias, provider, upstream_model, status, latency_ms, documents, chunks, cache_hits, attempts, input_tokens, output_tokens, search_units, cost_usd';

export class SqlConsoleStore implements ConsoleStore {
  /** The time column as epoch ms, and a time parameter. */
  private readonly ms: (column: string) => string;
  private readonly param: (ms: number) => unknown;

  constructor(
    private readonly db: SqlDriver,
    private readonly dialect: Dialect,
  ) {
    this.ms = dialect === 'sqlite' ? (c) => c : (c) => `(EXTRACT(EPOCH FROM ${c}) * 1000)::bigint`;
    this.param = dialect === 'sqlite' ? (ms) => ms : (ms) => new Date(ms);
  }

  async hourlySlices(from: number, to: number, keyId?: string): Promise<SeriesSlice[]> {
    if (!(from < to)) return [];
    const params: unknown[] = [this.param(from), this.param(to)];
    const key = keyId === undefined ? '' : ' AND key_id = ?';
    if (keyId !== undefined) params.push(keyId);
    const rows = await this.db.all(
      `SELECT ${this.ms('bucket')} AS at, SUM(requests) AS requests,
         SUM(CASE WHEN status_class >= 4 THEN requests ELSE 0 END) AS errors, SUM(documents) AS documents,
         SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(search_units) AS search_units,
         SUM(cost_usd) AS cost_usd, SUM(latency_ms_sum) AS latency_ms_sum
       FROM usage_hourly WHERE bucket >= ? AND bucket < ?${key} GROUP BY bucket ORDER BY bucket`,
      params,
    );
    return rows.map(toSlice);
  }

  async minuteSlices(ranges: readonly (readonly [number, number])[], keyId?: string): Promise<SeriesSlice[]> {
    const live = ranges.filter(([a, b]) => a < b);
    if (live.length === 0) return [];
    const params: unknown[] = [];
    const where = live.map(() => '(ts >= ? AND ts < ?)').join(' OR ');
    for (const [a, b] of live) params.push(this.param(a), this.param(b));
    const key = keyId === undefined ? '' : ' AND key_id = ?';
    if (keyId !== undefined) params.push(keyId);
    const minute = this.dialect === 'sqlite' ? '(ts / 60000) * 60000' : `(FLOOR(EXTRACT(EPOCH FROM ts) / 60) * 60000)::bigint`;
    const rows = await this.db.all(
      `SELECT ${minute} AS at, COUNT(*) AS requests, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
         SUM(documents) AS documents, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
         SUM(search_units) AS search_units, SUM(cost_usd) AS cost_usd, SUM(latency_ms) AS latency_ms_sum
       FROM usage_records WHERE (${where})${key} GROUP BY 1 ORDER BY 1`,
      params,
    );
    return rows.map(toSlice);
  }

  async latencyProfile(from: number, to: number, keyId?: string): Promise<LatencyProfile> {
    const params: unknown[] = [this.param(Math.max(0, from)), this.param(Math.min(END_OF_TIME, to))];
    const key = keyId === undefined ? '' : ' AND key_id = ?';
    if (keyId !== undefined) params.push(keyId);
    const whole = this.dialect === 'sqlite' ? 'CAST(latency_ms AS INTEGER)' : 'FLOOR(latency_ms)::bigint';
    // Three light passes beat one grouped by (latency, status): errors are few and have their
    // own index, the cache sums need no grouping, and the latency histogram groups one column.
    const latency = await this.db.all(
      `SELECT ${whole} AS l, COUNT(*) AS n FROM usage_records WHERE ts >= ? AND ts < ?${key} GROUP BY 1`,
      params,
    );
    const errors = await this.db.all(
      `SELECT status, COUNT(*) AS n FROM usage_records WHERE status >= 400 AND ts >= ? AND ts < ?${key} GROUP BY status`,
      params,
    );
    const cache = await this.db.all(
      `SELECT SUM(cache_hits) AS hits, SUM(documents) AS docs FROM usage_records WHERE ts >= ? AND ts < ?${key}`,
      params,
    );
    const byLatency = new Map<number, number>();
    for (const r of latency) byLatency.set(Number(r.l), (byLatency.get(Number(r.l)) ?? 0) + Number(r.n));
    const errorsByStatus: Record<string, number> = {};
    for (const r of errors) errorsByStatus[String(r.status)] = Number(r.n);
    const cacheHits = Number(cache[0]?.hits ?? 0);
    const cacheDocuments = Number(cache[0]?.docs ?? 0);
    const histogram = [...byLatency.entries()].sort((a, b) => a[0] - b[0]);
    return { histogram, errorsByStatus, cacheHits, cacheDocuments };
  }

  async listRequests(f: RequestFilter): Promise<RequestRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, ...values: unknown[]): void => {
      where.push(clause);
      params.push(...values);
    };
    if (f.from !== undefined) add('ts >= ?', this.param(f.from));
    if (f.to !== undefined) add('ts < ?', this.param(f.to));
    if (f.before) {
      // The range bound first so the ts index does the work; the id breaks ties within one ms.
      add('ts <= ?', this.param(f.before.ts));
      add('(ts < ? OR id < ?)', this.param(f.before.ts), f.before.id);
    }
    if (f.keyId !== undefined) add('key_id = ?', f.keyId);
    if (f.model !== undefined) add('alias = ?', f.model);
    if (f.provider !== undefined) add('provider = ?', f.provider);
    if (f.surface !== undefined) add('surface = ?', f.surface);
    if (f.status === 'error') add('status >= ?', 400);
    else if (typeof f.status === 'number') add('status = ?', f.status);
    else if (f.status) add('status >= ? AND status < ?', f.status.class * 100, f.status.class * 100 + 100);
    if (f.minLatencyMs !== undefined) add('latency_ms >= ?', f.minLatencyMs);
    if (f.maxLatencyMs !== undefined) add('latency_ms <= ?', f.maxLatencyMs);
    params.push(f.limit);
    const rows = await this.db.all(
      `SELECT ${LIST_COLUMNS.replace('ts,', `${this.ms('ts')} AS ts,`)} FROM usage_records
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, id DESC LIMIT ?`,
      params,
    );
    return rows.map(toRow);
  }

  async getRequest(id: string): Promise<RequestWithDetail | undefined> {
    const rows = await this.db.all(
      `SELECT ${LIST_COLUMNS.replace('ts,', `${this.ms('ts')} AS ts,`)}, detail FROM usage_records WHERE id = ?`,
      [id],
    );
    if (rows.length === 0) return undefined;
    const raw = rows[0].detail;
    let detail: RequestDetail | null = null;
    if (typeof raw === 'string') {
      try {
        detail = JSON.parse(raw) as RequestDetail;
      } catch {
        detail = null;
      }
    }
    return { ...toRow(rows[0]), detail };
  }

  async ensureIndexes(): Promise<void> {
    for (const sql of INDEXES) await this.db.run(sql, []);
  }
}

const toSlice = (r: Record<string, unknown>): SeriesSlice => ({
  at: Number(r.at),
  requests: Number(r.requests ?? 0),
  errors: Number(r.errors ?? 0),
  documents: Number(r.documents ?? 0),
  inputTokens: Number(r.input_tokens ?? 0),
  outputTokens: Number(r.output_tokens ?? 0),
  searchUnits: Number(r.search_units ?? 0),
  costUsd: Number(r.cost_usd ?? 0),
  latencyMsSum: Number(r.latency_ms_sum ?? 0),
});

const toRow = (r: Record<string, unknown>): RequestRow => ({
  id: String(r.id),
  requestId: String(r.request_id),
  ts: Number(r.ts),
  keyId: String(r.key_id),
  surface: String(r.surface),
  alias: (r.alias as string | null) ?? null,
  provider: (r.provider as string | null) ?? null,
  upstreamModel: (r.upstream_model as string | null) ?? null,
  status: Number(r.status),
  latencyMs: Number(r.latency_ms),
  documents: Number(r.documents),
  chunks: Number(r.chunks),
  cacheHits: Number(r.cache_hits),
  attempts: Number(r.attempts),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  searchUnits: Number(r.search_units),
  costUsd: Number(r.cost_usd),
});
