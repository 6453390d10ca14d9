import type pg from 'pg';
import {
  DuplicateNameError,
  type ControlStore,
  type FeedEntry,
  type ResourceKind,
  type StoredResource,
  type UsageGroup,
  type UsageQuery,
} from '../repository.js';
import { numbered, resourceParams, SQL, toFeedEntry, toResource, updateParams, type FeedRow, type ResourceRow } from '../sql.js';
import { PostgresUsageStore } from './usage.js';
import { SqlEvalStore, type EvalStore } from '../eval.js';
import { SqlLabStore, type LabStore } from '../lab.js';
import { SqlConsoleStore, type ConsoleStore } from '../console.js';
import { SqlBatchStore, type BatchStore } from '../batches.js';
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
  readonly lab: LabStore;
  readonly console: ConsoleStore;
  readonly batches: BatchStore;

  private readonly usage: PostgresUsageStore;

  constructor(private readonly pool: pg.Pool) {
    this.usage = new PostgresUsageStore(pool);
    const driver = {
      all: async (sql: string, params: readonly unknown[]) =>
        (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
      run: async (sql: string, params: readonly unknown[]) => (await pool.query(numbered(sql), [...params])).rowCount ?? 0,
    };
    this.evals = new SqlEvalStore(driver, isUniqueViolation);
    this.lab = new SqlLabStore(driver);
    this.console = new SqlConsoleStore(driver, 'postgres');
    this.evals = new SqlEvalStore(
      {
        all: async (sql, params) => (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
        run: async (sql, params) => (await pool.query(numbered(sql), [...params])).rowCount ?? 0,
      },
      isUniqueViolation,
    );
    this.batches = new SqlBatchStore({
      all: async (sql, params) => (await pool.query(numbered(sql), [...params])).rows as Record<string, unknown>[],
      run: async (sql, params) => (await pool.query(numbered(sql), [...params])).rowCount ?? 0,
    });
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
    await this.withChange(
      r.kind,
      r.name,
      `ins AS (INSERT INTO control_resources (kind, id, name, data, created_at, updated_at)
         SELECT $2::text, $3::text, $4::text, $5::jsonb, $6::text, $7::text FROM lock RETURNING kind, id)`,
      resourceParams(r),
    );
  }

  updateResource(kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    return this.withChange(
      kind,
      name,
      `ins AS (UPDATE control_resources SET name = $2::text, data = $3::jsonb, updated_at = $4::text
         WHERE kind = $5::text AND id = $6::text AND EXISTS (SELECT 1 FROM lock) RETURNING kind, id)`,
      updateParams(kind, id, name, data, updatedAt),
    );
  }

  deleteResource(kind: ResourceKind, id: string): Promise<boolean> {
    return this.withChange(
      kind,
      '',
      `ins AS (DELETE FROM control_resources WHERE kind = $2::text AND id = $3::text AND EXISTS (SELECT 1 FROM lock) RETURNING kind, id)`,
      [kind, id],
    );
  }

  /**
   * Runs a write and its change-feed entry as one statement: one round trip and one commit
   * (an admin create waits for a single WAL flush, nothing more). `write` is a CTE named `ins`
   * that reads from `lock` and returns (kind, id) of the rows it changed; its parameters start
   * at $2. Writers take turns on the feed's advisory lock, held to the end of the statement's
   * transaction, and the feed row draws its version only from the write's output, i.e. after
   * the lock: versions commit in the order they were handed out, so a poller reading "after
   * version v" cannot skip one still in flight.
   */
  private async withChange(kind: ResourceKind, name: string, write: string, params: unknown[]): Promise<boolean> {
    const at = new Date().toISOString();
    try {
      const res = await this.pool.query(
        `WITH lock AS (SELECT pg_advisory_xact_lock($1::bigint)), ${write}
         INSERT INTO control_changes (kind, resource_id, at) SELECT kind, id, $${params.length + 2}::text FROM ins`,
        [CHANGE_FEED_LOCK, ...params, at],
      );
      return (res.rowCount ?? 0) > 0;
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateNameError(kind, name);
      throw err;
    }
  }

  async version(): Promise<number> {
    return Number((await this.pool.query(Q.version)).rows[0].v);
  }

  async changesSince(version: number, limit: number): Promise<FeedEntry[]> {
    return (await this.pool.query<FeedRow>(Q.changesSince, [version, limit])).rows.map(toFeedEntry);
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
