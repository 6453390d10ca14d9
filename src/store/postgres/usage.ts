import type pg from 'pg';
import type { UsageGroup, UsageQuery } from '../repository.js';
import { DAY_MS, HOUR_MS, rollUp, type RollupRow } from '../rollups.js';
import { numbered } from '../sql.js';
import { insertUsageSql, legacyRecord, rollupValues, toUsageGroup, upsertRollupSql, usageSummarySql, usageValues } from '../usage-sql.js';
import type { UsageRecord } from '../usage.js';

const time = (ms: number): Date => new Date(ms);
/** Rows per statement: 18 columns × 1000 stays under PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;
/** Serialises partition creation across instances (CREATE TABLE IF NOT EXISTS alone can race). */
const PARTITION_LOCK = 0x52574e5041525400; // "RWNPART"
const PARTITION_NAME = /^usage_records_p(\d{4})(\d{2})$/;
/** No partition for the row: another instance's retention dropped one this instance thought existed. */
const NO_PARTITION = '23514';

/** `usage_records_p202605` and its bounds, for the month holding `ms`. */
function month(ms: number): { name: string; from: string; to: string; end: number } {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const end = Date.UTC(y, m + 1, 1);
  return {
    name: `usage_records_p${y}${String(m + 1).padStart(2, '0')}`,
    from: new Date(Date.UTC(y, m, 1)).toISOString(),
    to: new Date(end).toISOString(),
    end,
  };
}

/**
 * Usage on PostgreSQL: `usage_records` partitioned by month (partitions are created as records
 * for a month arrive, and dropped whole by retention), and the hourly and daily rollups
 * updated in the insert's transaction from the rows it actually inserted.
 */
export class PostgresUsageStore {
  private readonly partitions = new Set<string>();
  private legacyDone = false;

  constructor(private readonly pool: pg.Pool) {}

  async insertBatch(records: readonly UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    try {
      await this.insertOnce(records);
    } catch (err) {
      if ((err as { code?: string }).code !== NO_PARTITION) throw err;
      this.partitions.clear();
      await this.insertOnce(records);
    }
  }

  private async insertOnce(records: readonly UsageRecord[]): Promise<void> {
    await this.ensurePartitions(records.map((r) => r.ts));
    await this.transaction((client) => this.insertWith(client, records));
  }

  /** Inserts and rolls up on `client`, inside the caller's transaction. */
  private async insertWith(client: pg.PoolClient, records: readonly UsageRecord[]): Promise<void> {
    const ids = new Set<string>();
    for (let at = 0; at < records.length; at += CHUNK) {
      const part = records.slice(at, at + CHUNK);
      const res = await client.query<{ id: string }>(
        numbered(insertUsageSql('postgres', part.length)),
        part.flatMap((r) => usageValues(r, time)),
      );
      for (const row of res.rows) ids.add(row.id);
    }
    const inserted = ids.size === records.length ? records : records.filter((r) => ids.has(r.id));
    await this.upsert(client, 'usage_hourly', rollUp(inserted, HOUR_MS));
    await this.upsert(client, 'usage_daily', rollUp(inserted, DAY_MS));
  }

  private async upsert(client: pg.PoolClient, table: 'usage_hourly' | 'usage_daily', rows: RollupRow[]): Promise<void> {
    for (let at = 0; at < rows.length; at += CHUNK) {
      const part = rows.slice(at, at + CHUNK);
      await client.query(
        numbered(upsertRollupSql(table, part.length)),
        part.flatMap((r) => rollupValues(r, time)),
      );
    }
  }

  /** Creates the monthly partitions the times fall in, once per process and month. */
  async ensurePartitions(times: Iterable<number>): Promise<void> {
    const missing = new Map<string, ReturnType<typeof month>>();
    for (const t of times) {
      const m = month(t);
      if (!this.partitions.has(m.name)) missing.set(m.name, m);
    }
    if (missing.size === 0) return;
    await this.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
      for (const m of missing.values()) {
        await client.query(`CREATE TABLE IF NOT EXISTS ${m.name} PARTITION OF usage_records FOR VALUES FROM ('${m.from}') TO ('${m.to}')`);
      }
    });
    for (const name of missing.keys()) this.partitions.add(name);
  }

  async summary(query: UsageQuery): Promise<UsageGroup[]> {
    const sql = usageSummarySql('postgres', query, time);
    if (!sql) return [];
    const res = await this.pool.query(numbered(sql.text), sql.params);
    return res.rows.map(toUsageGroup);
  }

  async spendSince(since: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const g of await this.summary({ groupBy: 'key', from: since })) if (g.group !== null) out.set(g.group, g.costUsd);
    return out;
  }

  /** Drops the months wholly before `before`, then deletes up to `limit` older rows of the month it falls in. */
  async prune(before: number, limit: number): Promise<number> {
    const res = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'usage_records'::regclass`,
    );
    for (const { name } of res.rows) {
      const m = PARTITION_NAME.exec(name);
      if (!m || Date.UTC(Number(m[1]), Number(m[2]), 1) > before) continue;
      await this.pool.query(`DROP TABLE IF EXISTS ${name}`);
      this.partitions.delete(name);
    }
    const records = await this.pool.query(
      'DELETE FROM usage_records WHERE (id, ts) IN (SELECT id, ts FROM usage_records WHERE ts < $1 LIMIT $2)',
      [time(before), limit],
    );
    const hours = await this.pool.query(
      `DELETE FROM usage_hourly WHERE (bucket, key_id, alias, provider, status_class) IN
        (SELECT bucket, key_id, alias, provider, status_class FROM usage_hourly WHERE bucket < $1 LIMIT $2)`,
      [time(before - (before % HOUR_MS)), limit],
    );
    return (records.rowCount ?? 0) + (hours.rowCount ?? 0);
  }

  /**
   * Moves a batch of the text-timestamp table: deleted and re-inserted in one transaction,
   * rows locked with SKIP LOCKED so several instances share the work without overlap.
   */
  async migrateLegacy(limit: number): Promise<{ moved: number; done: boolean }> {
    if (this.legacyDone) return { moved: 0, done: true };
    const exists = (await this.pool.query<{ t: string | null }>("SELECT to_regclass('usage_records_legacy')::text AS t")).rows[0].t;
    if (exists === null) {
      this.legacyDone = true;
      return { moved: 0, done: true };
    }
    const peek = await this.pool.query<{ ts: string }>('SELECT ts FROM usage_records_legacy ORDER BY id LIMIT $1', [limit]);
    if (peek.rows.length === 0) {
      await this.pool.query('DROP TABLE IF EXISTS usage_records_legacy');
      this.legacyDone = true;
      return { moved: 0, done: true };
    }
    await this.ensurePartitions(peek.rows.map((r) => Date.parse(r.ts)).filter((t) => !Number.isNaN(t)));
    const moved = await this.transaction(async (client) => {
      const res = await client.query(
        'DELETE FROM usage_records_legacy WHERE id IN (SELECT id FROM usage_records_legacy ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING *',
        [limit],
      );
      const records = res.rows.map(legacyRecord).filter((r): r is UsageRecord => r !== undefined);
      await this.ensurePartitions(records.map((r) => r.ts));
      await this.insertWith(client, records);
      return res.rows.length;
    });
    return { moved, done: false };
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client has no error listener of the pool's: a server lost between two
    // queries would otherwise emit an unhandled 'error' and end the process. The query under
    // way (or the next) still fails and reports it; the broken client is destroyed on release.
    let lost: Error | undefined;
    const onLost = (err: Error): void => {
      lost = err;
    };
    client.on('error', onLost);
    try {
      await client.query('BEGIN');
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.off('error', onLost);
      client.release(lost);
    }
  }
}
