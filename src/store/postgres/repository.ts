import type pg from 'pg';
import {
  DuplicateNameError,
  type ControlStore,
  type ResourceChange,
  type ResourceKind,
  type StoredResource,
  type UsageGroup,
  type UsageQuery,
} from '../repository.js';
import { numbered, resourceParams, SQL, toResource, updateParams, type ResourceRow } from '../sql.js';
import { PostgresUsageStore } from './usage.js';
import { SqlEvalStore, type EvalStore } from '../eval.js';
import type { UsageRecord } from '../usage.js';

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === '23505';

/** Advisory lock id serialising change-feed writers ("RWFEED"). */
const CHANGE_FEED_LOCK = 0x525746454544;

/** The shared statements with PostgreSQL's numbered placeholders. */
const Q = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, numbered(v)])) as Record<keyof typeof SQL, string>;

/** The control store on PostgreSQL, shared by every instance pointing at the same database. */
export class PostgresControlStore implements ControlStore {
  readonly backend = 'postgres' as const;
  readonly evals: EvalStore;

  private readonly usage: PostgresUsageStore;

  constructor(private readonly pool: pg.Pool) {
    this.usage = new PostgresUsageStore(pool);
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
      // Writers take turns on the feed, so versions commit in the order they were handed out
      // and a poller reading "after version v" cannot skip one still in flight.
      await client.query('SELECT pg_advisory_xact_lock($1)', [CHANGE_FEED_LOCK]);
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

  async changesSince(version: number, limit: number): Promise<ResourceChange[]> {
    const res = await this.pool.query<{ id: string; kind: ResourceKind; resource_id: string }>(Q.changesSince, [version, limit]);
    return res.rows.map((r) => ({ version: Number(r.id), kind: r.kind, id: r.resource_id }));
  }

  async getSetting(name: string): Promise<string | undefined> {
    return (await this.pool.query<{ value: string }>(Q.getSetting, [name])).rows[0]?.value;
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    await this.pool.query(Q.setSettingIfAbsent, [name, value]);
    return (await this.getSetting(name))!;
  }

  insertBatch(records: readonly UsageRecord[]): Promise<void> {
    return this.usage.insertBatch(records);
  }

  usageSummary(query: UsageQuery): Promise<UsageGroup[]> {
    return this.usage.summary(query);
  }

  spendSince(since: string): Promise<Map<string, number>> {
    return this.usage.spendSince(since);
  }

  pruneUsage(before: number, limit: number): Promise<number> {
    return this.usage.prune(before, limit);
  }

  migrateLegacyUsage(limit: number): Promise<{ moved: number; done: boolean }> {
    return this.usage.migrateLegacy(limit);
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
