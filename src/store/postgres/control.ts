import type pg from 'pg';
import {
  DuplicateNameError,
  toUsageGroup,
  USAGE_AGGREGATES,
  USAGE_GROUP_COLUMN,
  type ControlStore,
  type ResourceKind,
  type StoredResource,
  type UsageGroup,
  type UsageQuery,
} from '../control.js';
import type { UsageRecord } from '../usage.js';

interface ResourceRow {
  kind: ResourceKind;
  id: string;
  name: string;
  data: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

const toResource = (r: ResourceRow): StoredResource => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  data: r.data,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

const USAGE_COLUMNS = [
  'id', 'request_id', 'ts', 'key_id', 'surface', 'alias', 'provider', 'upstream_model', 'status', 'latency_ms',
  'documents', 'chunks', 'cache_hits', 'attempts', 'input_tokens', 'output_tokens', 'search_units', 'cost_usd',
] as const;

const usageValues = (r: UsageRecord): unknown[] => [
  r.id, r.requestId, r.ts, r.keyId, r.surface, r.alias, r.provider, r.upstreamModel, r.status, r.latencyMs,
  r.documents, r.chunks, r.cacheHits, r.attempts, r.inputTokens, r.outputTokens, r.searchUnits, r.costUsd,
];

/** The control store on PostgreSQL, shared by every instance pointing at the same database. */
export class PostgresControlStore implements ControlStore {
  readonly backend = 'postgres' as const;

  constructor(private readonly pool: pg.Pool) {}

  async listResources(kind: ResourceKind): Promise<StoredResource[]> {
    const res = await this.pool.query<ResourceRow>('SELECT * FROM control_resources WHERE kind = $1 ORDER BY created_at, id', [kind]);
    return res.rows.map(toResource);
  }

  async getResource(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    const res = await this.pool.query<ResourceRow>('SELECT * FROM control_resources WHERE kind = $1 AND id = $2', [kind, id]);
    return res.rows[0] && toResource(res.rows[0]);
  }

  async createResource(r: StoredResource): Promise<void> {
    await this.withChange(r.kind, r.id, r.name, async (client) => {
      await client.query(
        'INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [r.kind, r.id, r.name, JSON.stringify(r.data), r.createdAt, r.updatedAt],
      );
      return true;
    });
  }

  updateResource(kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    return this.withChange(kind, id, name, async (client) => {
      const res = await client.query('UPDATE control_resources SET name = $1, data = $2, updated_at = $3 WHERE kind = $4 AND id = $5', [
        name, JSON.stringify(data), updatedAt, kind, id,
      ]);
      return res.rowCount === 1;
    });
  }

  deleteResource(kind: ResourceKind, id: string): Promise<boolean> {
    return this.withChange(kind, id, '', async (client) => {
      const res = await client.query('DELETE FROM control_resources WHERE kind = $1 AND id = $2', [kind, id]);
      return res.rowCount === 1;
    });
  }

  /** Runs a write and its change-feed entry in one transaction. */
  private async withChange(kind: ResourceKind, id: string, name: string, write: (c: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const changed = await write(client);
      if (changed) await client.query('INSERT INTO control_changes (kind, resource_id, at) VALUES ($1, $2, $3)', [kind, id, new Date().toISOString()]);
      await client.query('COMMIT');
      return changed;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUniqueViolation(err)) throw new DuplicateNameError(kind, name);
      throw err;
    } finally {
      client.release();
    }
  }

  async version(): Promise<number> {
    return Number((await this.pool.query('SELECT COALESCE(MAX(id), 0) AS v FROM control_changes')).rows[0].v);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return (await this.pool.query<{ value: string }>('SELECT value FROM control_settings WHERE name = $1', [name])).rows[0]?.value;
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    await this.pool.query('INSERT INTO control_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, value]);
    return (await this.getSetting(name))!;
  }

  async insertBatch(records: readonly UsageRecord[]): Promise<void> {
    // Chunked so one statement stays under PostgreSQL's 65535-parameter limit.
    for (let start = 0; start < records.length; start += 1000) {
      const part = records.slice(start, start + 1000);
      const params: unknown[] = [];
      const tuples = part.map((r) => {
        const base = params.length;
        params.push(...usageValues(r));
        return `(${USAGE_COLUMNS.map((_, i) => `$${base + i + 1}`).join(',')})`;
      });
      await this.pool.query(
        `INSERT INTO usage_records (${USAGE_COLUMNS.join(',')}) VALUES ${tuples.join(',')} ON CONFLICT (id) DO NOTHING`,
        params,
      );
    }
  }

  async usageSummary(query: UsageQuery): Promise<UsageGroup[]> {
    const column = USAGE_GROUP_COLUMN[query.groupBy];
    const res = await this.pool.query(
      `SELECT ${column} AS grp, ${USAGE_AGGREGATES} FROM usage_records
       WHERE ts >= $1 AND ts < $2 GROUP BY ${column} ORDER BY ${column}`,
      [query.from ?? '', query.to ?? '\uffff'],
    );
    return res.rows.map(toUsageGroup);
  }

  async spendSince(keyIds: readonly string[], since: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keyIds.length === 0) return out;
    const res = await this.pool.query<{ key_id: string; spent: number }>(
      'SELECT key_id, SUM(cost_usd) AS spent FROM usage_records WHERE ts >= $1 AND key_id = ANY($2) GROUP BY key_id',
      [since, keyIds],
    );
    for (const r of res.rows) out.set(r.key_id, Number(r.spent));
    return out;
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
