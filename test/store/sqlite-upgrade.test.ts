import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteControlStore } from '../../src/store/sqlite/control.js';
import { openSqlite } from '../../src/store/sqlite/database.js';

describe('SQLite upgrade from the first release', () => {
  it('keeps existing usage records and adds the control-plane tables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-upgrade-'));
    try {
      // A database exactly as the first release left it: migration 1 and one usage row.
      const old = new Database(join(dir, 'rankway.db'));
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      old.exec(MIGRATIONS[0].sqlite);
      old.prepare('INSERT INTO schema_migrations VALUES (1, ?)').run(new Date().toISOString());
      old
        .prepare(`INSERT INTO usage_records (id, request_id, ts, key_id, surface, status, latency_ms, cost_usd) VALUES ('u1', 'r1', ?, 'k', 'rerank', 200, 5, 0.002)`)
        .run(new Date().toISOString());
      old.close();

      const store = new SqliteControlStore(openSqlite(dir));
      const usage = await store.usageSummary({ groupBy: 'key' });
      assert.deepEqual(usage.map((g) => [g.group, g.requests, g.costUsd]), [['k', 1, 0.002]]);
      await store.createResource({ id: 'm', kind: 'model', name: 'n', data: {}, createdAt: '', updatedAt: '' });
      assert.equal((await store.listResources('model')).length, 1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
