import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WalCheckpointer } from '../../src/store/sqlite/checkpointer.js';
import { openSqlite } from '../../src/store/sqlite/database.js';

describe('SQLite WAL checkpoints off the event loop', () => {
  it('turns off checkpoints in commits and keeps the WAL bounded from a worker thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-wal-'));
    const db = openSqlite(dir);
    const checkpointer = new WalCheckpointer(db, 50);
    try {
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'commits never checkpoint on the caller thread');
      db.exec('CREATE TABLE filler (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
      const insert = db.prepare('INSERT INTO filler (body) VALUES (?)');
      const batch = db.transaction(() => {
        for (let i = 0; i < 200; i++) insert.run('x'.repeat(2000));
      });
      // About 10 MB of WAL frames in all: without checkpoints the WAL file would hold them all.
      for (let round = 0; round < 25; round++) {
        batch();
        await new Promise((resolve) => setTimeout(resolve, 120));
      }
      const walMb = statSync(join(dir, 'rankway.db-wal')).size / 1e6;
      assert.ok(walMb < 4, `the WAL was checkpointed and reused (${walMb.toFixed(1)} MB)`);
      assert.equal((db.prepare('SELECT COUNT(*) AS n FROM filler').get() as { n: number }).n, 5000);
    } finally {
      await checkpointer.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
