import type pg from 'pg';
import { loadOptional } from '../../runtime/optional-module.js';
import { MIGRATIONS } from '../migrations.js';

/** Any 64-bit constant works; this one names Rankway's migration lock. */
const MIGRATION_LOCK = 0x52414e4b5741; // "RANKWA"

/**
 * Connects to PostgreSQL and applies pending migrations. Several instances starting at once
 * serialise on an advisory lock, so each migration runs exactly once. When the connection's
 * `search_path` names a schema (`?options=-c search_path=x`), that schema is created first.
 */
export async function openPostgres(url: string, max = 10): Promise<pg.Pool> {
  // A connection attempt (or a wait for a free one) gives up after 5 s instead of hanging on a
  // server that accepts TCP but never answers (paused, partitioned).
  const pool = new (loadOptional<typeof pg>('pg').Pool)({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {
    // Idle clients that lose their connection are dropped by the pool; queries report errors.
  });
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  // Lost while migrating: the query under way fails and start-up reports it (no unhandled 'error').
  client.on('error', () => undefined);
  try {
    const path = (await client.query<{ search_path: string }>('SHOW search_path')).rows[0].search_path;
    const first = path.split(',')[0].trim().replace(/^"|"$/g, '');
    if (first && first !== '$user' && first !== 'public') {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${first.replace(/"/g, '""')}"`);
    }
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
      const current = Number((await client.query('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')).rows[0].v);
      for (let v = current + 1; v <= MIGRATIONS.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(MIGRATIONS[v - 1].postgres);
          await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [v, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
  return pool;
}
