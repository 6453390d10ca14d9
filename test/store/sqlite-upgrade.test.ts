import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ControlStore } from '../../src/store/repository.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { pgSchema } from '../helpers/services.js';

const COLUMNS = 'id, request_id, ts, key_id, surface, alias, status, latency_ms, cost_usd';
const row = (i: number): unknown[] => [
  `u${String(i).padStart(7, '0')}`,
  `r${i}`,
  new Date(Date.UTC(2026, 4, 1) + i * 60_000).toISOString(),
  `k${i % 3}`,
  'rerank',
  'search',
  i % 10 === 0 ? 500 : 200,
  5,
  0.001,
];

/** Moves the whole text-timestamp table, as the background step does after start. */
async function migrateAll(store: ControlStore): Promise<number> {
  let moved = 0;
  for (;;) {
    const step = await store.migrateLegacyUsage(500);
    moved += step.moved;
    if (step.done) return moved;
  }
}

describe('upgrade to typed timestamps and rollups', () => {
  it('SQLite: start-up does not wait for a large text-timestamp table; the background step moves every row once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-upgrade-'));
    try {
      // A database as the previous release left it: migrations 1-2 and 20,000 usage rows.
      const old = new Database(join(dir, 'rankway.db'));
      old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      old.exec(MIGRATIONS[0].sqlite);
      old.exec(MIGRATIONS[1].sqlite);
      old.prepare('INSERT INTO schema_migrations VALUES (1, ?), (2, ?)').run(new Date().toISOString(), new Date().toISOString());
      const insert = old.prepare(`INSERT INTO usage_records (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
      old.transaction(() => {
        for (let i = 0; i < 20_000; i++) insert.run(...row(i));
      })();
      old.close();

      const started = performance.now();
      const store = new SqliteControlStore(openSqlite(dir));
      const openMs = performance.now() - started;
      assert.ok(openMs < 1000, `opening took ${openMs.toFixed(0)} ms: the migration must not copy rows`);
      assert.equal(await migrateAll(store), 20_000);
      const byKey = await store.usageSummary({ groupBy: 'key' });
      assert.deepEqual(
        byKey.map((g) => g.group),
        ['k0', 'k1', 'k2'],
      );
      assert.equal(
        byKey.reduce((n, g) => n + g.requests, 0),
        20_000,
      );
      assert.equal(
        byKey.reduce((n, g) => n + g.errors, 0),
        2_000,
      );
      // Same totals from raw rows, for a range that is not hour-aligned.
      const part = await store.usageSummary({ groupBy: 'key', from: '2026-05-01T00:30:00.000Z', to: '2026-05-03T07:45:00.000Z' });
      assert.equal(
        part.reduce((n, g) => n + g.requests, 0),
        2 * 24 * 60 + 7 * 60 + 45 - 30,
      );
      const db = new Database(join(dir, 'rankway.db'), { readonly: true });
      assert.equal(
        (db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'usage_records_legacy'").get() as { n: number }).n,
        0,
        'the old table is dropped once empty',
      );
      assert.equal(
        typeof (db.prepare('SELECT ts FROM usage_records LIMIT 1').get() as { ts: unknown }).ts,
        'number',
        'times are epoch ms integers',
      );
      db.close();
      await store.createResource({ id: 'm', kind: 'model', name: 'n', data: {}, createdAt: '', updatedAt: '' });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PostgreSQL: the same, into monthly partitions with timestamptz', async (t) => {
    const schema = await pgSchema();
    if (typeof schema === 'string') return t.skip(schema);
    try {
      const old = new pg.Client({ connectionString: schema.url });
      await old.connect();
      await old.query(`CREATE SCHEMA IF NOT EXISTS ${schema.schema}`);
      await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      await old.query(MIGRATIONS[0].postgres);
      await old.query(MIGRATIONS[1].postgres);
      await old.query("INSERT INTO schema_migrations VALUES (1, 'x'), (2, 'x')");
      for (let start = 0; start < 5_000; start += 500) {
        const rows = Array.from({ length: 500 }, (_, k) => row(start + k));
        const tuples = rows.map((_, k) => `(${Array.from({ length: 9 }, (_, c) => `$${k * 9 + c + 1}`).join(',')})`).join(',');
        await old.query(`INSERT INTO usage_records (${COLUMNS}) VALUES ${tuples}`, rows.flat());
      }
      await old.end();

      const store = new PostgresControlStore(await openPostgres(schema.url));
      assert.equal(await migrateAll(store), 5_000);
      const byKey = await store.usageSummary({ groupBy: 'key' });
      assert.equal(
        byKey.reduce((n, g) => n + g.requests, 0),
        5_000,
      );
      assert.equal(
        byKey.reduce((n, g) => n + g.errors, 0),
        500,
      );
      const parts = await schema.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${schema.schema}.usage_records'::regclass`,
      );
      assert.deepEqual(parts.rows.map((r) => r.relname).sort(), ['usage_records_p202605']);
      const type = await schema.query(
        `SELECT data_type FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'usage_records' AND column_name = 'ts'`,
        [schema.schema],
      );
      assert.equal(type.rows[0].data_type, 'timestamp with time zone');
      assert.equal((await schema.query(`SELECT to_regclass('${schema.schema}.usage_records_legacy') AS t`)).rows[0].t, null);
      await store.close();
    } finally {
      await schema.drop();
    }
  });
});
