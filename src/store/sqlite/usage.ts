import type { UsageGroup, UsageQuery } from '../repository.js';
import { DAY_MS, HOUR_MS, rollUp } from '../rollups.js';
import { insertUsageSql, legacyRecord, rollupValues, toUsageGroup, upsertRollupSql, usageSummarySql, usageValues } from '../usage-sql.js';
import type { UsageRecord, UsageStore } from '../usage.js';
import type { SqliteDatabase } from './database.js';

const ms = (t: number): number => t;

/**
 * Usage in the embedded database: records with epoch-ms times, and the hourly and daily
 * rollups updated in the same transaction from the rows actually inserted (a replayed record
 * is skipped by its primary key and adds nothing).
 */
export class SqliteUsageStore implements UsageStore {
  private readonly insertMany;
  private legacyDone = false;

  constructor(private readonly db: SqliteDatabase) {
    const insert = db.prepare(insertUsageSql('sqlite', 1));
    const hourly = db.prepare(upsertRollupSql('usage_hourly', 1));
    const daily = db.prepare(upsertRollupSql('usage_daily', 1));
    this.insertMany = db.transaction((records: readonly UsageRecord[]): number => {
      const inserted: UsageRecord[] = [];
      for (const r of records) if (insert.run(...usageValues(r, ms)).changes === 1) inserted.push(r);
      for (const row of rollUp(inserted, HOUR_MS)) hourly.run(...rollupValues(row, ms));
      for (const row of rollUp(inserted, DAY_MS)) daily.run(...rollupValues(row, ms));
      return inserted.length;
    });
  }

  insertBatch(records: readonly UsageRecord[]): void {
    this.insertMany(records);
  }

  summary(query: UsageQuery): UsageGroup[] {
    const sql = usageSummarySql('sqlite', query, ms);
    if (!sql) return [];
    return (this.db.prepare(sql.text).all(...sql.params) as Record<string, unknown>[]).map(toUsageGroup);
  }

  spendSince(since: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const g of this.summary({ groupBy: 'key', from: since })) if (g.group !== null) out.set(g.group, g.costUsd);
    return out;
  }

  prune(before: number, limit: number): number {
    const records = this.db
      .prepare('DELETE FROM usage_records WHERE rowid IN (SELECT rowid FROM usage_records WHERE ts < ? LIMIT ?)')
      .run(before, limit);
    const hours = this.db
      .prepare('DELETE FROM usage_hourly WHERE rowid IN (SELECT rowid FROM usage_hourly WHERE bucket < ? LIMIT ?)')
      .run(before - (before % HOUR_MS), limit);
    return records.changes + hours.changes;
  }

  /** One short transaction: read a batch of old rows by rowid, insert them, delete them. */
  migrateLegacy(limit: number): { moved: number; done: boolean } {
    if (this.legacyDone) return { moved: 0, done: true };
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage_records_legacy'").get();
    if (!exists) {
      this.legacyDone = true;
      return { moved: 0, done: true };
    }
    return this.db.transaction(() => {
      const rows = this.db.prepare('SELECT rowid AS rid, * FROM usage_records_legacy ORDER BY rowid LIMIT ?').all(limit) as Record<
        string,
        unknown
      >[];
      if (rows.length === 0) {
        this.db.exec('DROP TABLE usage_records_legacy');
        this.legacyDone = true;
        return { moved: 0, done: true };
      }
      const records = rows.map(legacyRecord).filter((r): r is UsageRecord => r !== undefined);
      this.insertMany(records);
      this.db.prepare('DELETE FROM usage_records_legacy WHERE rowid <= ?').run(rows[rows.length - 1].rid);
      return { moved: rows.length, done: false };
    })();
  }
}
