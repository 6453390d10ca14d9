import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../migrations.js';

export type SqliteDatabase = Database.Database;

/** Opens (creating if needed) the embedded database under `dataDir`, in WAL mode. */
export function openSqlite(dataDir: string, file = 'rankway.db'): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/** Applies pending migrations; IMMEDIATE transactions keep two processes from racing. */
function migrate(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const step = db.transaction((v: number) => {
    const current = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
    if (current >= v) return;
    db.exec(MIGRATIONS[v - 1].sqlite);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, new Date().toISOString());
  });
  for (let v = 1; v <= MIGRATIONS.length; v++) step.immediate(v);
}
