// `npm run bench:console -- [rows]`: seeds `rows` usage records (default 1,000,000) over the last
// 30 days in SQLite (raw rows, a rerank detail on every tenth, and the rollups), builds the
// console's indexes (timed: what the first start after an upgrade pays, after listening), then
// starts a real Rankway on that data and times, over HTTP, what the Overview and Requests pages
// load: the role manifest, the series (24 h by hour, 7 and 30 days by day, in two zones) and
// request-list pages (first, filtered, deep via the cursor, one detail). Target: every page under
// 1 s. Writes bench/CONSOLE-RESULTS.md.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway } from '../src/app.js';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/log.js';
import { SqliteControlStore } from '../src/store/sqlite/repository.js';
import { openSqlite, type SqliteDatabase } from '../src/store/sqlite/database.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const DAYS = 30;
const KEYS = 100;
const ALIASES = 6;
const ADMIN_KEY = 'rk-admin-bench-console';
const END = Date.now();
const START = END - DAYS * 86_400_000;
const STEP = (DAYS * 86_400_000) / ROWS;
const TARGET_MS = 1000;

function seed(db: SqliteDatabase): void {
  const cols =
    'id, request_id, ts, key_id, surface, alias, provider, status, latency_ms, documents, chunks, cache_hits, attempts, input_tokens, search_units, cost_usd, detail';
  const insert = db.prepare(
    `INSERT INTO usage_records (${cols}) VALUES (${cols
      .split(',')
      .map(() => '?')
      .join(',')})`,
  );
  const chunk = db.transaction((from: number, to: number) => {
    for (let g = from; g < to; g++) {
      const h = Math.imul(g, 2654435761) >>> 0;
      const alias = (((h >>> 4) % KEYS) + ((h >>> 12) % 2)) % ALIASES;
      const s = (h >>> 8) % 100;
      const docs = 1 + (h % 40);
      const detail =
        g % 10 === 0
          ? JSON.stringify({
              retries: 0,
              fallbacks: 0,
              upstreamMs: 15,
              cacheMisses: docs,
              rerank: {
                query: 'what is the capital of France',
                topN: 5,
                order: [
                  [0, 0.9],
                  [3, 0.5],
                ],
                fallbackIndex: 0,
              },
            })
          : null;
      insert.run(
        `b${String(g).padStart(10, '0')}`,
        `r${g}`,
        START + Math.floor(g * STEP),
        `key-${(h >>> 4) % KEYS}`,
        'rerank',
        `alias-${alias}`,
        `provider-${alias % 3}`,
        s < 95 ? 200 : s < 99 ? 429 : 502,
        20 + (h % 200),
        docs,
        1,
        h % 3 === 0 ? docs : 0,
        1,
        h % 500,
        1,
        0.002,
        detail,
      );
    }
  });
  for (let g = 0; g < ROWS; g += 100_000) chunk(g, Math.min(ROWS, g + 100_000));
  const rollup = (table: string, grain: string) =>
    db.exec(`INSERT INTO ${table}
      (bucket, key_id, alias, provider, status_class, requests, documents, input_tokens, output_tokens, search_units, cost_usd, latency_ms_sum)
      SELECT ${grain}, key_id, COALESCE(alias, ''), COALESCE(provider, ''), status / 100, COUNT(*), SUM(documents), SUM(input_tokens),
        SUM(output_tokens), SUM(search_units), SUM(cost_usd), SUM(latency_ms) FROM usage_records GROUP BY 1, 2, 3, 4, 5`);
  rollup('usage_hourly', 'ts - ts % 3600000');
  rollup('usage_daily', 'ts - ts % 86400000');
  db.exec('ANALYZE');
}

interface Timing {
  readonly what: string;
  readonly p50: number;
  readonly max: number;
}

async function time(what: string, n: number, run: () => Promise<unknown>): Promise<Timing> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { what, p50: ms[Math.floor(n / 2)], max: ms[n - 1] };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-bench-console-'));
  try {
    const t0 = performance.now();
    const db = openSqlite(dir);
    seed(db);
    const seedMs = performance.now() - t0;
    const t1 = performance.now();
    const store = new SqliteControlStore(db);
    await store.console.ensureIndexes();
    const indexMs = performance.now() - t1;
    // Where a 30-day Overview spends its time, query by query.
    const breakdown: Timing[] = [];
    const to30 = Date.now();
    const from30 = to30 - 30 * 86_400_000;
    breakdown.push(await time('hourly rollup slices, 30 days', 3, () => store.console.hourlySlices(from30, to30)));
    breakdown.push(await time('latency/status/cache profile, 30 days', 3, () => store.console.latencyProfile(from30, to30)));
    breakdown.push(await time('latency/status/cache profile, 24 h', 3, () => store.console.latencyProfile(to30 - 86_400_000, to30)));
    for (const b of breakdown) console.log(`  ${b.what}: p50 ${b.p50.toFixed(0)} ms`);
    db.close();
    console.log(`seeded ${ROWS} rows in ${(seedMs / 1000).toFixed(1)} s; console indexes built in ${(indexMs / 1000).toFixed(1)} s`);

    const config = buildConfig({ server: { port: 0, admin_port: 0, auth: 'keys' }, storage: { data_dir: dir } }, { env: {} });
    const gw = buildGateway(config, { logger: createLogger({ level: 'silent' }), accessLog: false, env: { RANKWAY_ADMIN_KEY: ADMIN_KEY } });
    await gw.proxy.listen({ host: '127.0.0.1', port: 0 });
    const admin = await gw.admin.listen({ host: '127.0.0.1', port: 0 });
    const get = async (path: string) => {
      const res = await fetch(`${admin}/admin/v1/${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>;
    };
    const iso = (ms: number) => new Date(ms).toISOString();
    const now = Date.now();
    const series = (days: number, tz: string, bucket: string) =>
      `usage/series?from=${iso(now - days * 86_400_000)}&to=${iso(now)}&tz=${encodeURIComponent(tz)}&bucket=${bucket}`;
    const check = await get(`usage/series?from=${iso(START)}&to=${iso(now + 60_000)}&tz=UTC&bucket=day`);
    if (check.totals.requests !== ROWS) throw new Error(`series counted ${check.totals.requests} of ${ROWS} rows`);

    const N = 5;
    const results: Timing[] = [];
    // The Overview page: the manifest, then one series (the UI fetches both on load).
    const overview = (days: number, tz: string, bucket: string) => async () => {
      await get('roles');
      await get(series(days, tz, bucket));
    };
    results.push(await time('Overview, 24 h by hour (Europe/Paris)', N, overview(1, 'Europe/Paris', 'hour')));
    results.push(await time('Overview, 24 h by hour (Asia/Kolkata, half-hour zone)', N, overview(1, 'Asia/Kolkata', 'hour')));
    results.push(await time('Overview, 7 days by day (America/New_York)', N, overview(7, 'America/New_York', 'day')));
    results.push(await time('Overview, 30 days by day (Asia/Kolkata)', N, overview(30, 'Asia/Kolkata', 'day')));
    const page = (query: string) => async () => {
      await get('roles');
      await get(`requests?limit=50${query}`);
    };
    results.push(await time('Requests, first page', N, page('')));
    results.push(await time('Requests, model filter', N, page('&model=alias-3')));
    results.push(await time('Requests, status 5xx', N, page('&status=5xx')));
    results.push(await time('Requests, key filter', N, page('&key_id=key-42')));
    results.push(await time('Requests, provider + latency >= 210 ms', N, page('&provider=provider-1&min_latency_ms=210')));
    let cursor: string | null = null;
    for (let i = 0; i < 200; i++) cursor = (await get(`requests?limit=50${cursor ? `&cursor=${cursor}` : ''}`)).next_cursor;
    results.push(await time('Requests, page 201 (keyset cursor)', N, page(`&cursor=${cursor}`)));
    results.push(await time('Request detail', N, () => get('requests/b0000000010')));
    await gw.shutdown(5000);

    const worst = Math.max(...results.map((r) => r.max));
    const lines = [
      '# Console benchmark',
      '',
      `${ROWS.toLocaleString('en-US')} usage records over ${DAYS} days in SQLite (every tenth with a rerank detail), ` +
        `on ${cpus().length} cores (load ${loadavg()[0].toFixed(2)}), ${new Date().toISOString().slice(0, 16)}Z.`,
      `Seeding took ${(seedMs / 1000).toFixed(1)} s; building the console indexes ${(indexMs / 1000).toFixed(1)} s ` +
        '(run after start-up, never before listening).',
      '',
      `Each page = the HTTP calls it makes on load, timed ${N} times. Target: under ${TARGET_MS} ms.`,
      '',
      '| Page load | p50 ms | max ms |',
      '|---|---:|---:|',
      ...results.map((r) => `| ${r.what} | ${r.p50.toFixed(0)} | ${r.max.toFixed(0)} |`),
      '',
      `Worst: ${worst.toFixed(0)} ms — ${worst < TARGET_MS ? 'PASS' : 'FAIL'}.`,
      '',
      'Where a 30-day Overview spends its time (store calls, in-process):',
      '',
      ...breakdown.map((b) => `- ${b.what}: p50 ${b.p50.toFixed(0)} ms`),
      '',
    ];
    writeFileSync('bench/CONSOLE-RESULTS.md', lines.join('\n'));
    console.log(lines.join('\n'));
    if (worst >= TARGET_MS) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
