import type { UsageGroup, UsageGroupBy, UsageQuery } from './repository.js';
import { END_OF_TIME, splitRange, type RollupRow } from './rollups.js';
import type { UsageRecord } from './usage.js';

/**
 * Usage SQL for both backends, with `?` placeholders (PostgreSQL statements go through
 * `numbered`). Times are epoch-ms integers in SQLite and `timestamptz` in PostgreSQL: each
 * statement's builder takes how a time becomes a parameter.
 */
export type Dialect = 'sqlite' | 'postgres';
export type TimeParam = (ms: number) => unknown;

/** `usage_records` columns and the record field each holds, in insert order. */
const USAGE_FIELDS = [
  ['id', 'id'],
  ['request_id', 'requestId'],
  ['ts', 'ts'],
  ['key_id', 'keyId'],
  ['surface', 'surface'],
  ['alias', 'alias'],
  ['provider', 'provider'],
  ['upstream_model', 'upstreamModel'],
  ['status', 'status'],
  ['latency_ms', 'latencyMs'],
  ['documents', 'documents'],
  ['chunks', 'chunks'],
  ['cache_hits', 'cacheHits'],
  ['attempts', 'attempts'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['search_units', 'searchUnits'],
  ['cost_usd', 'costUsd'],
  ['detail', 'detail'],
  ['unpriced', 'unpriced'],
] as const satisfies readonly (readonly [string, keyof UsageRecord])[];

export const USAGE_COLUMNS = USAGE_FIELDS.map(([column]) => column);

export const usageValues = (r: UsageRecord, time: TimeParam): unknown[] =>
  USAGE_FIELDS.map(([column, field]) => {
    if (column === 'ts') return time(r.ts);
    if (column === 'detail') return r.detail ? JSON.stringify(r.detail) : null;
    if (column === 'unpriced') return r.unpriced ? 1 : 0;
    return r[field];
  });

/**
 * An insert of `rows` records; an id already stored is skipped (a replayed batch counts once).
 * PostgreSQL's partitioned table is keyed by (id, ts): a replayed record has both unchanged.
 */
export const insertUsageSql = (dialect: Dialect, rows: number): string => {
  const tuple = `(${USAGE_COLUMNS.map(() => '?').join(',')})`;
  const conflict = dialect === 'postgres' ? 'ON CONFLICT (id, ts) DO NOTHING RETURNING id' : 'ON CONFLICT (id) DO NOTHING';
  return `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES ${Array(rows).fill(tuple).join(',')} ${conflict}`;
};

const ROLLUP_COLUMNS = [
  'bucket',
  'key_id',
  'alias',
  'provider',
  'status_class',
  'requests',
  'documents',
  'input_tokens',
  'output_tokens',
  'search_units',
  'cost_usd',
  'latency_ms_sum',
  'unpriced',
];
const SUMMED = ROLLUP_COLUMNS.slice(5);

export const rollupValues = (r: RollupRow, time: TimeParam): unknown[] => [
  time(r.bucket),
  r.keyId,
  r.alias,
  r.provider,
  r.statusClass,
  r.requests,
  r.documents,
  r.inputTokens,
  r.outputTokens,
  r.searchUnits,
  r.costUsd,
  r.latencyMsSum,
  r.unpriced,
];

/** Adds `rows` rollup rows to `table` (`usage_hourly` or `usage_daily`). */
export const upsertRollupSql = (table: 'usage_hourly' | 'usage_daily', rows: number): string => {
  const tuple = `(${ROLLUP_COLUMNS.map(() => '?').join(',')})`;
  return `INSERT INTO ${table} (${ROLLUP_COLUMNS.join(',')}) VALUES ${Array(rows).fill(tuple).join(',')}
    ON CONFLICT (bucket, key_id, alias, provider, status_class) DO UPDATE SET ${SUMMED.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`;
};

/** The GROUP BY expression per grouping, over a column holding the time (`bucket` or `ts`). */
function groupExpression(dialect: Dialect, groupBy: UsageGroupBy, time: string, raw: boolean): string {
  switch (groupBy) {
    case 'key':
      return 'key_id';
    case 'model':
      return raw ? "COALESCE(alias, '')" : 'alias';
    case 'provider':
      return raw ? "COALESCE(provider, '')" : 'provider';
    case 'day':
      return dialect === 'sqlite'
        ? `strftime('%Y-%m-%d', ${time} / 1000, 'unixepoch')`
        : `to_char(${time} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
  }
}

const ROLLUP_SUMS = `SUM(requests) AS requests, SUM(CASE WHEN status_class >= 4 THEN requests ELSE 0 END) AS errors,
  SUM(documents) AS documents, SUM(search_units) AS search_units, SUM(input_tokens) AS input_tokens,
  SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced`;
const RAW_SUMS = `COUNT(*) AS requests, SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
  SUM(documents) AS documents, SUM(search_units) AS search_units, SUM(input_tokens) AS input_tokens,
  SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced`;

/**
 * Usage totals per group over `[from, to)`: whole days from `usage_daily`, whole hours at the
 * edges from `usage_hourly`, the minutes at either end from `usage_records` (see splitRange).
 * Undefined when the range is empty.
 */
export function usageSummarySql(dialect: Dialect, query: UsageQuery, time: TimeParam): { text: string; params: unknown[] } | undefined {
  const from = query.from === undefined ? 0 : Date.parse(query.from);
  const to = query.to === undefined ? END_OF_TIME : Date.parse(query.to);
  const pieces = splitRange(Math.max(0, from), Math.min(END_OF_TIME, to));
  const parts: string[] = [];
  const params: unknown[] = [];
  const part = (table: string, column: string, ranges: readonly (readonly [number, number])[], sums: string): void => {
    if (ranges.length === 0) return;
    const where = ranges.map(() => `(${column} >= ? AND ${column} < ?)`).join(' OR ');
    parts.push(
      `SELECT ${groupExpression(dialect, query.groupBy, column, table === 'usage_records')} AS grp, ${sums} FROM ${table} WHERE ${where} GROUP BY 1`,
    );
    for (const [a, b] of ranges) params.push(time(a), time(b));
  };
  part('usage_daily', 'bucket', pieces.daily, ROLLUP_SUMS);
  part('usage_hourly', 'bucket', pieces.hourly, ROLLUP_SUMS);
  part('usage_records', 'ts', pieces.raw, RAW_SUMS);
  if (parts.length === 0) return undefined;
  const text = `SELECT grp, SUM(requests) AS requests, SUM(errors) AS errors, SUM(documents) AS documents,
      SUM(search_units) AS search_units, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
      SUM(cost_usd) AS cost_usd, SUM(unpriced) AS unpriced
    FROM (${parts.join(' UNION ALL ')}) parts GROUP BY grp ORDER BY grp`;
  return { text, params };
}

/** A report row; `''` (no alias or provider, as the rollups key it) is reported as null. */
export function toUsageGroup(row: Record<string, unknown>): UsageGroup {
  const group = (row.grp as string | null) ?? null;
  return {
    group: group === '' ? null : group,
    requests: Number(row.requests),
    errors: Number(row.errors ?? 0),
    documents: Number(row.documents ?? 0),
    searchUnits: Number(row.search_units ?? 0),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
    unpriced: Number(row.unpriced ?? 0),
  };
}

/** Rows of the table the typed-timestamp migration left behind (ts as ISO text) as records. */
export function legacyRecord(row: Record<string, unknown>): UsageRecord | undefined {
  const ts = Date.parse(String(row.ts));
  if (Number.isNaN(ts)) return undefined;
  return {
    id: String(row.id),
    requestId: String(row.request_id),
    ts,
    keyId: String(row.key_id),
    surface: String(row.surface),
    alias: (row.alias as string | null) ?? null,
    provider: (row.provider as string | null) ?? null,
    upstreamModel: (row.upstream_model as string | null) ?? null,
    status: Number(row.status),
    latencyMs: Number(row.latency_ms),
    documents: Number(row.documents),
    chunks: Number(row.chunks),
    cacheHits: Number(row.cache_hits),
    attempts: Number(row.attempts),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    searchUnits: Number(row.search_units),
    costUsd: Number(row.cost_usd),
    unpriced: false,
  };
}
