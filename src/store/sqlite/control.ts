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
import type { SqliteDatabase } from './database.js';
import { SqliteUsageStore } from './usage.js';

interface ResourceRow {
  kind: ResourceKind;
  id: string;
  name: string;
  data: string;
  created_at: string;
  updated_at: string;
}

const toResource = (r: ResourceRow): StoredResource => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const isUniqueViolation = (err: unknown): boolean => (err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';

/** The control store on the embedded SQLite database (synchronous underneath). */
export class SqliteControlStore implements ControlStore {
  readonly backend = 'sqlite' as const;
  private readonly usage: SqliteUsageStore;
  private readonly change;

  constructor(private readonly db: SqliteDatabase) {
    this.usage = new SqliteUsageStore(db);
    const insertChange = db.prepare('INSERT INTO control_changes (kind, resource_id, at) VALUES (?, ?, ?)');
    this.change = (kind: ResourceKind, id: string) => insertChange.run(kind, id, new Date().toISOString());
  }

  async listResources(kind: ResourceKind): Promise<StoredResource[]> {
    const rows = this.db.prepare('SELECT * FROM control_resources WHERE kind = ? ORDER BY created_at, id').all(kind) as ResourceRow[];
    return rows.map(toResource);
  }

  async getResource(kind: ResourceKind, id: string): Promise<StoredResource | undefined> {
    const row = this.db.prepare('SELECT * FROM control_resources WHERE kind = ? AND id = ?').get(kind, id) as ResourceRow | undefined;
    return row && toResource(row);
  }

  async createResource(r: StoredResource): Promise<void> {
    try {
      this.db.transaction(() => {
        this.db
          .prepare('INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run(r.kind, r.id, r.name, JSON.stringify(r.data), r.createdAt, r.updatedAt);
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
        const res = this.db
          .prepare('UPDATE control_resources SET name = ?, data = ?, updated_at = ? WHERE kind = ? AND id = ?')
          .run(name, JSON.stringify(data), updatedAt, kind, id);
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
      const res = this.db.prepare('DELETE FROM control_resources WHERE kind = ? AND id = ?').run(kind, id);
      if (res.changes === 0) return false;
      this.change(kind, id);
      return true;
    })();
  }

  async version(): Promise<number> {
    return (this.db.prepare('SELECT MAX(id) AS v FROM control_changes').get() as { v: number | null }).v ?? 0;
  }

  async getSetting(name: string): Promise<string | undefined> {
    return (this.db.prepare('SELECT value FROM control_settings WHERE name = ?').get(name) as { value: string } | undefined)?.value;
  }

  async setSettingIfAbsent(name: string, value: string): Promise<string> {
    this.db.prepare('INSERT OR IGNORE INTO control_settings (name, value) VALUES (?, ?)').run(name, value);
    return (await this.getSetting(name))!;
  }

  async insertBatch(records: readonly UsageRecord[]): Promise<void> {
    this.usage.insertBatch(records);
  }

  async usageSummary(query: UsageQuery): Promise<UsageGroup[]> {
    const column = USAGE_GROUP_COLUMN[query.groupBy];
    const rows = this.db
      .prepare(
        `SELECT ${column} AS grp, ${USAGE_AGGREGATES} FROM usage_records
         WHERE ts >= ? AND ts < ? GROUP BY ${column} ORDER BY ${column}`,
      )
      .all(query.from ?? '', query.to ?? '\uffff') as Record<string, unknown>[];
    return rows.map(toUsageGroup);
  }

  async spendSince(keyIds: readonly string[], since: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (keyIds.length === 0) return out;
    const marks = keyIds.map(() => '?').join(',');
    const rows = this.db
      .prepare(`SELECT key_id, SUM(cost_usd) AS spent FROM usage_records WHERE ts >= ? AND key_id IN (${marks}) GROUP BY key_id`)
      .all(since, ...keyIds) as { key_id: string; spent: number }[];
    for (const r of rows) out.set(r.key_id, r.spent);
    return out;
  }

  async ping(): Promise<boolean> {
    try {
      this.db.prepare('SELECT 1').get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
