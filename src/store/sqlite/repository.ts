import {
  DuplicateNameError,
  type ControlStore,
  type FeedEntry,
  type ResourceKind,
  type StoredResource,
  type UsageGroup,
  type UsageQuery,
} from '../repository.js';
import { resourceParams, SQL, toFeedEntry, toResource, updateParams, type FeedRow, type ResourceRow } from '../sql.js';
import { SqlEvalStore, type EvalStore } from '../eval.js';
import { SqlLabStore, type LabStore } from '../lab.js';
import { SqlConsoleStore, type ConsoleStore } from '../console.js';
import { SqlBatchStore, type BatchStore } from '../batches.js';
import type { UsageRecord } from '../usage.js';
import type { SqliteDatabase } from './database.js';
import { SqliteUsageStore } from './usage.js';
import { WalCheckpointer } from './checkpointer.js';

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** The control store on the embedded SQLite database (synchronous underneath). */
export class SqliteControlStore implements ControlStore {
  readonly backend = 'sqlite' as const;
  readonly evals: EvalStore;
  readonly lab: LabStore;
  readonly console: ConsoleStore;
  readonly batches: BatchStore;
  private readonly usage: SqliteUsageStore;
  private readonly change;
  private readonly checkpointer: WalCheckpointer;

  constructor(private readonly db: SqliteDatabase) {
    this.checkpointer = new WalCheckpointer(db);
    this.usage = new SqliteUsageStore(db);
    const driver = {
      all: async (sql: string, params: readonly unknown[]) => db.prepare(sql).all(...params) as Record<string, unknown>[],
      run: async (sql: string, params: readonly unknown[]) => db.prepare(sql).run(...params).changes,
    };
    this.evals = new SqlEvalStore(driver, isUniqueViolation);
    this.lab = new SqlLabStore(driver);
    this.console = new SqlConsoleStore(driver, 'sqlite');
    this.evals = new SqlEvalStore(
      {
        all: async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
        run: async (sql, params) => db.prepare(sql).run(...params).changes,
      },
      isUniqueViolation,
    );
    this.batches = new SqlBatchStore({
      all: async (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
      run: async (sql, params) => db.prepare(sql).run(...params).changes,
    });
    const insertChange = db.prepare(SQL.insertChange);
    this.change = (kind: ResourceKind, id: string) => insertChange.run(kind, id, new Date().toISOString());
  }

  async listResources(kind: ResourceKind): Promise<StoredResource[]> {
    const rows = this.db.prepare(SQL.listResources).all(kind) as ResourceRow[];
    return rows.map(toResource);
  }

  async getResource(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    const row = this.db.prepare(SQL.getResource).get(kind, id) as ResourceRow | undefined;
    return row && toResource(row);
  }

  async createResource(r: StoredResource): Promise<void> {
    try {
      this.db.transaction(() => {
        this.db.prepare(SQL.insertResource).run(...resourceParams(r));
        this.change(r.kind, r.id);
      })();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateNameError(r.kind, r.name);
      throw err;
    }
  }

  async updateResource(kind: ResourceKind, id: string, name: string, data: Record<string, unknown>, updatedAt: string): Promise<boolean> {
    try {
      return this.db.transaction(() => {
        const res = this.db.prepare(SQL.updateResource).run(...updateParams(kind, id, name, data, updatedAt));
        if (res.changes === 0) return false;
        this.change(kind, id);
        return true;
      })();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateNameError(kind, name);
      throw err;
    }
  }

  async deleteResource(kind: ResourceKind, id: string): Promise<boolean> {
    return this.db.transaction(() => {
      const res = this.db.prepare(SQL.deleteResource).run(kind, id);
      if (res.changes === 0) return false;
      this.change(kind, id);
      return true;
    })();
  }

  async version(): Promise<number> {
    return (this.db.prepare(SQL.version).get() as { v: number }).v;
  }

  async changesSince(version: number, limit: number): Promise<FeedEntry[]> {
    return (this.db.prepare(SQL.changesSince).all(version, limit) as FeedRow[]).map(toFeedEntry);
  }

  async getSetting(name: string): Promise<string | undefined> {
    return (this.db.prepare(SQL.getSetting).get(name) as { value: string } | undefined)?.value;
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    this.db.prepare(SQL.setSettingIfAbsent).run(name, value);
    return (await this.getSetting(name))!;
  }

  async insertBatch(records: readonly UsageRecord[]): Promise<void> {
    this.usage.insertBatch(records);
  }

  async usageSummary(query: UsageQuery): Promise<UsageGroup[]> {
    return this.usage.summary(query);
  }

  async spendSince(since: string): Promise<Map<string, number>> {
    return this.usage.spendSince(since);
  }

  async pruneUsage(before: number, limit: number): Promise<number> {
    return this.usage.prune(before, limit);
  }

  async migrateLegacyUsage(limit: number): Promise<{ moved: number; done: boolean }> {
    return this.usage.migrateLegacy(limit);
  }

  async ping(): Promise<boolean> {
    try {
      this.db.prepare(SQL.ping).get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }
}
