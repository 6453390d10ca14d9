import type pg from 'pg';
import { DuplicateNameError, type ControlStore, type ResourceKind, type StoredResource, type UsageGroup, type UsageQuery } from '../control.js';
import { insertUsageSql, numbered, resourceParams, spendSinceSql, SQL, toResource, toUsageGroup, updateParams, usageSummarySql, usageValues, type ResourceRow } from '../sql.js';
import { SqlEvalStore, type EvalStore } from '../eval.js';
import type { UsageRecord } from '../usage.js';

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/** The shared statements with PostgreSQL's numbered placeholders. */
const Q = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, numbered(v)])) as Record<keyof typeof SQL, string>;

/** The control store on PostgreSQL, shared by every instance pointing at the same database. */
export class PostgresControlStore implements ControlStore {
  readonly backend = 'postgres' as const;
  readonly evals: EvalStore;

  constructor(private readonly pool: pg.Pool) {
    this.evals = new SqlEvalStore(
      {
        all: async (sql, params) => (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
        run: async (sql, params) => (await pool.query(numbered(sql), [...params])).rowCount ?? 0,
      },
      isUniqueViolation,
    );
  }

  async listResources(kind: ResourceKind): Promise<StoredResource[]> {
    const res = await this.pool.query<ResourceRow>(Q.listResources, [kind]);
    return res.rows.map(toResource);
  }

  async getResource(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    const res = await this.pool.query<ResourceRow>(Q.getResource, [kind, id]);
    return res.rows[0] && toResource(res.rows[0]);
  }

  async createResource(r: StoredResource): Promise<void> {
    await this.withChange(r.kind, r.id, r.name, async (client) => {
      await client.query(Q.insertResource, resourceParams(r));
      return true;
    });
  }

  updateResource(kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    return this.withChange(kind, id, name, async (client) => {
      const res = await client.query(Q.updateResource, updateParams(kind, id, name, data, updatedAt));
      return res.rowCount === 1;
    });
  }

  deleteResource(kind: ResourceKind, id: string): Promise<boolean> {
    return this.withChange(kind, id, '', async (client) => {
      const res = await client.query(Q.deleteResource, [kind, id]);
      return res.rowCount === 1;
    });
  }

  /** Runs a write and its change-feed entry in one transaction. */
  private async withChange(kind: ResourceKind, id: string, name: string, write: (c: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const changed = await write(client);
      if (changed) await client.query(Q.insertChange, [kind, id, new Date().toISOString()]);
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
    return Number((await this.pool.query(Q.version)).rows[0].v);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return (await this.pool.query<{ value: string }>(Q.getSetting, [name])).rows[0]?.value;
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    await this.pool.query(Q.setSettingIfAbsent, [name, value]);
    return (await this.getSetting(name))!;
  }

  async insertBatch(records: readonly UsageRecord[]): Promise<void> {
    // Chunked so one statement stays under PostgreSQL's 65535-parameter limit.
    for (let start = 0; start < records.length; start += 1000) {
      const part = records.slice(start, start + 1000);
      await this.pool.query(numbered(insertUsageSql(part.length)), part.flatMap(usageValues));
    }
  }

  async usageSummary(query: UsageQuery): Promise<UsageGroup[]> {
    const { text, params } = usageSummarySql(query);
    const res = await this.pool.query(numbered(text), params);
    return res.rows.map(toUsageGroup);
  }

  async spendSince(keyIds: readonly string[], since: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keyIds.length === 0) return out;
    const res = await this.pool.query<{ key_id: string; spent: number }>(numbered(spendSinceSql(keyIds.length)), [since, ...keyIds]);
    for (const r of res.rows) out.set(r.key_id, Number(r.spent));
    return out;
  }

  async ping(): Promise<boolean> {
    try {
      await this.pool.query(Q.ping);
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
