import { insertUsageSql, usageValues } from '../sql.js';
import type { UsageRecord, UsageStore } from '../usage.js';
import type { SqliteDatabase } from './database.js';

export class SqliteUsageStore implements UsageStore {
  private readonly insert;
  private readonly insertMany;

  constructor(db: SqliteDatabase) {
    this.insert = db.prepare(insertUsageSql(1));
    this.insertMany = db.transaction((records: readonly UsageRecord[]) => {
      for (const r of records) this.insert.run(...usageValues(r));
    });
  }

  insertBatch(records: readonly UsageRecord[]): void {
    this.insertMany(records);
  }
}
