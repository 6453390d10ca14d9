import type { ResourceKind, StoredResource, UsageGroup, UsageGroupBy, UsageQuery } from './control.js';
import type { UsageRecord } from './usage.js';

/**
 * The control store's SQL, written once for both backends with `?` placeholders
 * (PostgreSQL statements go through `numbered`). Everything here is standard SQL both
 * SQLite (3.24+) and PostgreSQL accept.
 */
export const SQL = {
  listResources: 'SELECT * FROM control_resources WHERE kind = ? ORDER BY created_at, id',
  getResource: 'SELECT * FROM control_resources WHERE kind = ? AND id = ?',
  insertResource: 'INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  updateResource: 'UPDATE control_resources SET name = ?, data = ?, updated_at = ? WHERE kind = ? AND id = ?',
  deleteResource: 'DELETE FROM control_resources WHERE kind = ? AND id = ?',
  insertChange: 'INSERT INTO control_changes (kind, resource_id, at) VALUES (?, ?, ?)',
  version: 'SELECT COALESCE(MAX(id), 0) AS v FROM control_changes',
  changesSince: 'SELECT id, kind, resource_id FROM control_changes WHERE id > ? ORDER BY id LIMIT ?',
  getSetting: 'SELECT value FROM control_settings WHERE name = ?',
  setSettingIfAbsent: 'INSERT INTO control_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
  ping: 'SELECT 1',
} as const;

/** `?` placeholders as PostgreSQL's `$1, $2 ...`. */
export function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** A `control_resources` row; `data` is JSON text in SQLite and already parsed (jsonb) in PostgreSQL. */
export interface ResourceRow {
  kind: ResourceKind;
  id: string;
  name: string;
  data: string | Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export const toResource = (r: ResourceRow): StoredResource => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  data: typeof r.data === 'string' ? (JSON.parse(r.data) as Record<string, unknown>) : r.data,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Parameters of `insertResource`, in order. */
export const resourceParams = (r: StoredResource): unknown[] => [r.kind, r.id, r.name, JSON.stringify(r.data), r.createdAt, r.updatedAt];

/** Parameters of `updateResource`, in order. */
export const updateParams = (kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): unknown[] => [
  name, JSON.stringify(data), updatedAt, kind, id,
];

/** `usage_records` columns and the record field each holds, in insert order. */
const USAGE_FIELDS = [
  ['id', 'id'], ['request_id', 'requestId'], ['ts', 'ts'], ['key_id', 'keyId'], ['surface', 'surface'], ['alias', 'alias'],
  ['provider', 'provider'], ['upstream_model', 'upstreamModel'], ['status', 'status'], ['latency_ms', 'latencyMs'],
  ['documents', 'documents'], ['chunks', 'chunks'], ['cache_hits', 'cacheHits'], ['attempts', 'attempts'],
  ['input_tokens', 'inputTokens'], ['output_tokens', 'outputTokens'], ['search_units', 'searchUnits'], ['cost_usd', 'costUsd'],
] as const satisfies readonly (readonly [string, keyof UsageRecord])[];

export const USAGE_COLUMNS = USAGE_FIELDS.map(([column]) => column);

export const usageValues = (r: UsageRecord): unknown[] => USAGE_FIELDS.map(([, field]) => r[field]);

/** An insert of `rows` usage records; a record id already stored is skipped, so a retried batch never counts twice. */
export const insertUsageSql = (rows: number): string => {
  const tuple = `(${USAGE_COLUMNS.map(() => '?').join(',')})`;
  return `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES ${Array(rows).fill(tuple).join(',')} ON CONFLICT (id) DO NOTHING`;
};

/** The GROUP BY expression for each grouping. */
const USAGE_GROUP_COLUMN: Readonly<Record<UsageGroupBy, string>> = {
  key: 'key_id',
  model: 'alias',
  provider: 'provider',
  day: 'substr(ts, 1, 10)',
};

/** Usage totals per group between `from` (inclusive) and `to` (exclusive): the statement and its parameters. */
export function usageSummarySql(query: UsageQuery): { text: string; params: unknown[] } {
  const column = USAGE_GROUP_COLUMN[query.groupBy];
  const text = `SELECT ${column} AS grp, COUNT(*) AS requests,
      SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
      SUM(documents) AS documents, SUM(search_units) AS search_units,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_usd) AS cost_usd
    FROM usage_records WHERE ts >= ? AND ts < ? GROUP BY ${column} ORDER BY ${column}`;
  return { text, params: [query.from ?? '', query.to ?? '\uffff'] };
}

/** Spend of every key since an ISO time (one parameter, however many keys carry a budget). */
export const spendSinceSql = 'SELECT key_id, SUM(cost_usd) AS spent FROM usage_records WHERE ts >= ? GROUP BY key_id';

export function toUsageGroup(row: Record<string, unknown>): UsageGroup {
  return {
    group: (row.grp as string | null) ?? null,
    requests: Number(row.requests),
    errors: Number(row.errors ?? 0),
    documents: Number(row.documents ?? 0),
    searchUnits: Number(row.search_units ?? 0),
    inputTokens: Number(row.input_tokens ?? 0),
    outputTokens: Number(row.output_tokens ?? 0),
    costUsd: Number(row.cost_usd ?? 0),
  };
}
