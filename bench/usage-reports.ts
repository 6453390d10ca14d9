// `npm run bench:usage -- [rows] [sqlite|postgres|both]`: seeds `rows` usage records (default
// 1,000,000) spread over 30 days, builds the rollups, and times usage reports and the budget
// read over many ranges. Records are seeded in bulk (the insert path's own cost per record, with
// its rollups, is timed separately on a sample). Writes bench/USAGE-RESULTS.md.
//   PostgreSQL: BENCH_DATABASE_URL (default the test database), in a schema dropped afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { ControlStore, UsageGroupBy, UsageQuery } from '../src/store/repository.js';
import { PostgresControlStore } from '../src/store/postgres/repository.js';
import { openPostgres } from '../src/store/postgres/database.js';
import { SqliteControlStore } from '../src/store/sqlite/repository.js';
import { openSqlite, type SqliteDatabase } from '../src/store/sqlite/database.js';
import type { UsageRecord } from '../src/store/usage.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const WHICH = process.argv[3] ?? 'sqlite';
const DAYS = 30;
const KEYS = 100;
const ALIASES = 6;
const START = Date.UTC(2026, 9, 1);
const STEP = (DAYS * 86_400_000) / ROWS;
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Row `g` of the data set: key, alias and status picked by cheap integer mixing (deterministic). */
function row(g: number): UsageRecord {
  const h = Math.imul(g, 2654435761) >>> 0;
  // Each key uses two of the aliases, as a real application uses one or two models.
  const alias = (((h >>> 4) % KEYS) + ((h >>> 12) % 2)) % ALIASES;
  const s = (h >>> 8) % 100;
  return {
    id: `b${String(g).padStart(10, '0')}`,
    requestId: `r${g}`,
    ts: START + Math.floor(g * STEP),
    keyId: `key-${(h >>> 4) % KEYS}`,
    surface: 'rerank',
    alias: `alias-${alias}`,
    provider: `provider-${alias % 3}`,
    upstreamModel: null,
    status: s < 95 ? 200 : s < 99 ? 429 : 502,
    latencyMs: 20 + (h % 200),
    documents: 1 + (h % 40),
    chunks: 1,
    cacheHits: 0,
    attempts: 1,
    inputTokens: h % 500,
    outputTokens: 0,
    searchUnits: 1,
    costUsd: 0.002,
  };
}

const ROLLUP_FROM_RAW = (table: string, grain: string) => `INSERT INTO ${table}
  (bucket, key_id, alias, provider, status_class, requests, documents, input_tokens, output_tokens, search_units, cost_usd, latency_ms_sum)
  SELECT ${grain} AS b, key_id, COALESCE(alias, ''), COALESCE(provider, ''), status / 100, COUNT(*), SUM(documents), SUM(input_tokens),
    SUM(output_tokens), SUM(search_units), SUM(cost_usd), SUM(latency_ms)
  FROM usage_records GROUP BY 1, 2, 3, 4, 5`;

async function seedSqlite(db: SqliteDatabase): Promise<void> {
  const cols = 'id, request_id, ts, key_id, surface, alias, provider, status, latency_ms, documents, input_tokens, search_units, cost_usd';
  const insert = db.prepare(`INSERT INTO usage_records (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const chunk = db.transaction((from: number, to: number) => {
    for (let g = from; g < to; g++) {
      const r = row(g);
      insert.run(
        r.id,
        r.requestId,
        r.ts,
        r.keyId,
        r.surface,
        r.alias,
        r.provider,
        r.status,
        r.latencyMs,
        r.documents,
        r.inputTokens,
        r.searchUnits,
        r.costUsd,
      );
    }
  });
  for (let g = 0; g < ROWS; g += 100_000) chunk(g, Math.min(ROWS, g + 100_000));
  db.exec(ROLLUP_FROM_RAW('usage_hourly', 'ts - ts % 3600000'));
  db.exec(ROLLUP_FROM_RAW('usage_daily', 'ts - ts % 86400000'));
  db.exec('ANALYZE');
}

async function seedPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ms = STEP;
  for (let g = 0; g < ROWS; g += 500_000) {
    const to = Math.min(ROWS, g + 500_000) - 1;
    // The same mixing as row(), in SQL, so the data sets match.
    await client.query(`INSERT INTO usage_records (id, request_id, ts, key_id, surface, alias, provider, status, latency_ms, documents, input_tokens, search_units, cost_usd)
      SELECT 'b' || lpad(g::text, 10, '0'), 'r' || g, to_timestamp((${START} + floor(g::float8 * ${ms})) / 1000.0),
        'key-' || ((h >> 4) % ${KEYS}), 'rerank', 'alias-' || a, 'provider-' || (a % 3),
        CASE WHEN (h >> 8) % 100 < 95 THEN 200 WHEN (h >> 8) % 100 < 99 THEN 429 ELSE 502 END,
        20 + h % 200, 1 + h % 40, h % 500, 1, 0.002
      FROM (SELECT g, h, ((h >> 4) % ${KEYS} + (h >> 12) % 2) % ${ALIASES} AS a
        FROM (SELECT g, ((g::bigint * 2654435761) % 4294967296) AS h FROM generate_series(${g}, ${to}) g) s0) s`);
  }
  await client.query(ROLLUP_FROM_RAW('usage_hourly', "date_trunc('hour', ts)"));
  await client.query(ROLLUP_FROM_RAW('usage_daily', "date_trunc('day', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"));
  await client.query('ANALYZE');
  await client.end();
}

interface Timing {
  readonly what: string;
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** This process's CPU per run (SQLite runs in-process; PostgreSQL's work is in the server). */
  readonly cpuP50: number;
}

async function time(what: string, n: number, run: (i: number) => Promise<unknown>): Promise<Timing> {
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run(i);
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  ms.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  return {
    what,
    n,
    p50: ms[Math.floor(n / 2)],
    p95: ms[Math.min(n - 1, Math.floor(n * 0.95))],
    max: ms[n - 1],
    cpuP50: cpu[Math.floor(n / 2)],
  };
}

async function reports(store: ControlStore): Promise<Timing[]> {
  const iso = (t: number): string => new Date(t).toISOString();
  let seed = 7;
  const random = (): number => {
    seed = (Math.imul(seed, 48271) >>> 0) % 2147483647;
    return seed / 2147483647;
  };
  const span = DAYS * 86_400_000;
  const groups: UsageGroupBy[] = ['key', 'model', 'provider', 'day'];
  const out: Timing[] = [];
  await store.usageSummary({ groupBy: 'key' }); // warm the page cache once
  for (const g of groups) out.push(await time(`group_by=${g}, no range`, 5, () => store.usageSummary({ groupBy: g })));
  out.push(
    await time('group_by=key, one whole day', 20, (i) =>
      store.usageSummary({ groupBy: 'key', from: iso(START + (i % DAYS) * 86_400_000), to: iso(START + ((i % DAYS) + 1) * 86_400_000) }),
    ),
  );
  out.push(
    await time('random ranges to the millisecond, every grouping', 200, (i) => {
      const a = START + Math.floor(random() * span);
      const b = START + Math.floor(random() * span);
      const q: UsageQuery = { groupBy: groups[i % 4], from: iso(Math.min(a, b)), to: iso(Math.max(a, b) + 1) };
      return store.usageSummary(q);
    }),
  );
  out.push(
    await time('random 1-hour ranges (raw edges only)', 50, () => {
      const a = START + Math.floor(random() * (span - 3_600_000));
      return store.usageSummary({ groupBy: 'key', from: iso(a), to: iso(a + 3_599_000) });
    }),
  );
  out.push(await time('spendSince(month start): every key (budgets)', 20, () => store.spendSince(iso(START))));
  out.push(
    await time('spendSince(3 h 17 min into a day): hourly and raw edges', 20, () =>
      store.spendSince(iso(START + 3 * 3_600_000 + 17 * 60_000)),
    ),
  );
  return out;
}

/** The insert path itself: records through insertBatch (rollups in the same transaction), batches of 1,000. */
async function insertCost(store: ControlStore): Promise<number> {
  const n = 20_000;
  const batch: UsageRecord[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    batch.push({ ...row(ROWS + i), id: `w${String(i).padStart(10, '0')}`, ts: START + DAYS * 86_400_000 - 1000 + (i % 1000) });
    if (batch.length === 1000) await store.insertBatch(batch.splice(0));
  }
  return ((performance.now() - t0) * 1000) / n;
}

const fmt = (t: Timing): string =>
  `| ${t.what} | ${t.n} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.max.toFixed(1)} | ${t.cpuP50.toFixed(1)} |`;

async function main(): Promise<void> {
  const lines: string[] = [
    `# Usage reports at ${ROWS.toLocaleString('en-US')} records`,
    '',
    `${DAYS} days, ${KEYS} keys each using 2 of ${ALIASES} aliases over 3 providers, 95% 2xx / 4% 429 / 1% 502; \`npm run bench:usage -- ${ROWS} ${WHICH}\`.`,
    '',
  ];
  for (const backend of WHICH === 'both' ? ['sqlite', 'postgres'] : [WHICH]) {
    const t0 = performance.now();
    let store: ControlStore;
    let cleanup: () => Promise<void>;
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'rankway-bench-usage-'));
      const db = openSqlite(dir);
      await seedSqlite(db);
      store = new SqliteControlStore(db);
      cleanup = async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      };
    } else {
      const schema = `rw_bench_usage_${Date.now()}`;
      const url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      const pool = await openPostgres(url);
      const pgStore = new PostgresControlStore(pool);
      // Monthly partitions for the seeded range, created the way the insert path creates them.
      await (pgStore as unknown as { usage: { ensurePartitions(t: number[]): Promise<void> } }).usage.ensurePartitions([
        START,
        START + DAYS * 86_400_000,
      ]);
      await seedPostgres(url);
      store = pgStore;
      cleanup = async () => {
        await store.close();
        const admin = new pg.Client({ connectionString: PG_URL });
        await admin.connect();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      };
    }
    const seeded = (performance.now() - t0) / 1000;
    process.stdout.write(`${backend}: seeded ${ROWS} rows in ${seeded.toFixed(0)} s\n`);
    try {
      const timings = await reports(store);
      const perRecord = await insertCost(store);
      lines.push(
        `## ${backend}`,
        '',
        `Seeded in ${seeded.toFixed(0)} s. Insert path: ${perRecord.toFixed(1)} µs per record (batches of 1,000, rollups included).`,
        '',
      );
      lines.push(`Load average during the run: ${loadavg()[0].toFixed(1)} on ${cpus().length} cores.`, '');
      lines.push(
        '| report | runs | p50 ms | p95 ms | max ms | CPU p50 ms (this process) |',
        '|---|---:|---:|---:|---:|---:|',
        ...timings.map(fmt),
        '',
      );
      process.stdout.write(lines.slice(-timings.length - 6).join('\n') + '\n');
    } finally {
      await cleanup();
    }
  }
  writeFileSync(new URL('./USAGE-RESULTS.md', import.meta.url), lines.join('\n'));
  process.stdout.write('wrote bench/USAGE-RESULTS.md\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
