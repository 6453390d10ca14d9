/**
 * The control plane at 100,000 keys, each with a monthly budget, on SQLite and on PostgreSQL:
 * two Rankway processes (sharing the database and Redis), start time and RSS, how long a
 * create or a disable made through instance A takes to be enforced by instance B (p50/p99),
 * the longest event-loop stall in either process meanwhile (monitorEventLoopDelay, preloaded
 * by bench/loop-probe.mjs), idle CPU, and 10,000 creates one after another.
 * Run: node --import tsx bench/control-scale.ts (BENCH_KEYS, BENCH_CHANGES, BENCH_CREATES,
 * BENCH_BACKENDS=sqlite,postgres to change the sizes).
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgres } from '../src/store/postgres/database.js';
import { openSqlite } from '../src/store/sqlite/database.js';
import { adminClient } from '../test/helpers/admin.js';
import { startRankway, type RankwayProcess } from '../test/helpers/process.js';
import { pgSchema, REDIS_URL, redisClient } from '../test/helpers/services.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const CREATES = Number(process.env.BENCH_CREATES ?? 10_000);
const BACKENDS = (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',');
const ADMIN = 'bench-admin';
const PROBE = fileURLToPath(new URL('./loop-probe.mjs', import.meta.url));
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The stored rows of `n` keys with a $50 monthly budget, as the admin API would write them. */
function keyRows(n: number): unknown[][] {
  const at = new Date().toISOString();
  const rows: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const hash = sha(`bench-key-${i}`);
    const data = {
      name: `bench ${i}`,
      key_hash: hash,
      allowed_models: null,
      rpm: null,
      tpm: null,
      rpd: null,
      budget: { usd: 50, period: 'month' },
      expires_at: null,
      disabled: false,
      metadata: {},
    };
    rows.push(['api_key', `key_bench${String(i).padStart(6, '0')}`, hash, JSON.stringify(data), at, at]);
  }
  return rows;
}

async function seedSqlite(dir: string): Promise<void> {
  const db = openSqlite(dir);
  const insert = db.prepare('INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const r of keyRows(KEYS)) insert.run(...r);
    db.prepare('INSERT INTO control_changes (kind, resource_id, at) VALUES (?, ?, ?)').run('api_key', 'seed', new Date().toISOString());
  })();
  db.close();
}

async function seedPostgres(url: string): Promise<void> {
  const pool = await openPostgres(url);
  const rows = keyRows(KEYS);
  for (let i = 0; i < rows.length; i += 1000) {
    const part = rows.slice(i, i + 1000);
    const values = part
      .map((_, j) => `($${j * 6 + 1}, $${j * 6 + 2}, $${j * 6 + 3}, $${j * 6 + 4}, $${j * 6 + 5}, $${j * 6 + 6})`)
      .join(',');
    await pool.query(`INSERT INTO control_resources (kind, id, name, data, created_at, updated_at) VALUES ${values}`, part.flat());
  }
  await pool.query('INSERT INTO control_changes (kind, resource_id, at) VALUES ($1, $2, $3)', [
    'api_key',
    'seed',
    new Date().toISOString(),
  ]);
  await pool.end();
}

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
};

/** Asks the preloaded probe for the event-loop figures since its last report. */
async function loopStats(probeFile: string, pid: number): Promise<{ maxMs: number; p99Ms: number; maxCpuMs: number }> {
  rmSync(probeFile, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(probeFile); i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 20));
  return JSON.parse(readFileSync(probeFile, 'utf8')) as { maxMs: number; p99Ms: number; maxCpuMs: number };
}

const rerank = (url: string, key: string) =>
  fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: '{"model":"local/bm25","query":"q","documents":["q"]}',
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });

const admin = async (a: RankwayProcess, method: string, path: string, body: unknown): Promise<{ id: string }> => {
  const res = await adminClient(a.adminUrl, ADMIN).call(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
  return res.json;
};

/** Time from sending the change (to A) until B answers `status` for `key`. */
async function propagation(b: RankwayProcess, send: () => Promise<unknown>, key: string, status: number): Promise<number> {
  const t0 = performance.now();
  await send();
  while ((await rerank(b.url, key)) !== status) {
    if (performance.now() - t0 > 10_000) throw new Error('change never reached B');
  }
  return performance.now() - t0;
}

const pct = (xs: number[], p: number) => [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function run(backend: string): Promise<Record<string, string>> {
  const dirs = [mkdtempSync(join(tmpdir(), 'rankway-scale-a-')), mkdtempSync(join(tmpdir(), 'rankway-scale-b-'))];
  const redis = await redisClient();
  if (typeof redis === 'string') throw new Error(redis);
  let schema: Awaited<ReturnType<typeof pgSchema>> | undefined;
  const started: RankwayProcess[] = [];
  try {
    let database = '';
    if (backend === 'postgres') {
      schema = await pgSchema();
      if (typeof schema === 'string') throw new Error(schema);
      database = schema.url;
      await seedPostgres(database);
    } else {
      await seedSqlite(dirs[0]);
    }
    const config = join(dirs[0], 'rankway.yaml');
    writeFileSync(config, 'server:\n  auth: keys\n');
    const env = (i: number) => ({
      RANKWAY_CONFIG: config,
      // SQLite instances share one database file: the first instance's data dir.
      RANKWAY_DATA_DIR: backend === 'sqlite' ? dirs[0] : dirs[i],
      DATABASE_URL: database,
      REDIS_URL,
      RANKWAY_REDIS_PREFIX: redis.prefix,
      RANKWAY_ADMIN_KEY: ADMIN,
      RANKWAY_SECRET_KEY: 'bench-shared-secret',
      LOG_LEVEL: 'error',
      RANKWAY_LOOP_PROBE: join(dirs[i], 'loop.json'),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${PROBE}`.trim(),
    });
    const startOne = async (i: number) => {
      const t0 = performance.now();
      const p = await startRankway(env(i), 300_000);
      return { p, ms: performance.now() - t0 };
    };
    const first = await startOne(0);
    const second = await startOne(1);
    const [a, b] = [first.p, second.p];
    started.push(a, b);
    if ((await rerank(b.url, 'bench-key-99999'.replace('99999', String(KEYS - 1)))) !== 200) throw new Error('seeded key not served');
    const rssStart = Math.max(rssMb(a.child.pid!), rssMb(b.child.pid!));

    // Idle: nothing but the poll.
    await new Promise((r) => setTimeout(r, 2000));
    const idle0 = [cpuMs(a.child.pid!), cpuMs(b.child.pid!)];
    await new Promise((r) => setTimeout(r, 10_000));
    const idleCpu = Math.max((cpuMs(a.child.pid!) - idle0[0]) / 100, (cpuMs(b.child.pid!) - idle0[1]) / 100); // % of one core

    await loopStats(env(0).RANKWAY_LOOP_PROBE, a.child.pid!);
    await loopStats(env(1).RANKWAY_LOOP_PROBE, b.child.pid!);
    // The machine's own noise: the longest stall while nothing happens (the poll only).
    await new Promise((r) => setTimeout(r, 5000));
    const idleA = await loopStats(env(0).RANKWAY_LOOP_PROBE, a.child.pid!);
    const idleB = await loopStats(env(1).RANKWAY_LOOP_PROBE, b.child.pid!);
    const creates: number[] = [];
    const disables: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const plaintext = `rk-new-${randomBytes(8).toString('hex')}`;
      let id = '';
      creates.push(
        await propagation(
          b,
          async () =>
            (id = (await admin(a, 'POST', '/admin/v1/apikeys', { key_hash: sha(plaintext), budget: { usd: 5, period: 'month' } })).id),
          plaintext,
          200,
        ),
      );
      disables.push(await propagation(b, () => admin(a, 'PATCH', `/admin/v1/apikeys/${id}`, { disabled: true }), plaintext, 401));
    }
    const stallA = await loopStats(env(0).RANKWAY_LOOP_PROBE, a.child.pid!);
    const stallB = await loopStats(env(1).RANKWAY_LOOP_PROBE, b.child.pid!);

    const cpu0 = [cpuMs(a.child.pid!), cpuMs(b.child.pid!)];
    const t0 = performance.now();
    for (let i = 0; i < CREATES; i++)
      await admin(a, 'POST', '/admin/v1/apikeys', { key_hash: sha(`seq-${i}-${redis.prefix}`), budget: { usd: 1, period: 'month' } });
    const createsS = (performance.now() - t0) / 1000;
    // CPU each create cost the instances: on a loaded machine the wall time is mostly waiting.
    const cpuPerCreate = [(cpuMs(a.child.pid!) - cpu0[0]) / CREATES, (cpuMs(b.child.pid!) - cpu0[1]) / CREATES];
    const stallSeqA = await loopStats(env(0).RANKWAY_LOOP_PROBE, a.child.pid!);
    const stallSeqB = await loopStats(env(1).RANKWAY_LOOP_PROBE, b.child.pid!);
    const rssEnd = Math.max(rssMb(a.child.pid!), rssMb(b.child.pid!));
    const f = (n: number) => n.toFixed(1);
    return {
      backend,
      'load average at end': readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      keys: String(KEYS),
      'start A / B (s)': `${(first.ms / 1000).toFixed(2)} / ${(second.ms / 1000).toFixed(2)}`,
      'RSS after start / after creates (MB)': `${f(rssStart)} / ${f(rssEnd)}`,
      'idle CPU (% of a core)': idleCpu.toFixed(2),
      [`create → B, p50 / p99 (ms, ${CHANGES})`]: `${f(pct(creates, 50))} / ${f(pct(creates, 99))}`,
      [`disable → B, p50 / p99 (ms, ${CHANGES})`]: `${f(pct(disables, 50))} / ${f(pct(disables, 99))}`,
      'max event-loop stall idle, 5 s A / B (ms)': `${idleA.maxMs} / ${idleB.maxMs}`,
      '  of which own CPU, A / B (ms)': `${idleA.maxCpuMs} / ${idleB.maxCpuMs}`,
      'max event-loop stall during changes A / B (ms)': `${stallA.maxMs} / ${stallB.maxMs}`,
      '  of which own CPU, A / B (ms) ': `${stallA.maxCpuMs} / ${stallB.maxCpuMs}`,
      [`${CREATES} sequential creates (s)`]: createsS.toFixed(1),
      'CPU per create, A / B (ms)': `${cpuPerCreate[0].toFixed(2)} / ${cpuPerCreate[1].toFixed(2)}`,
      'max event-loop stall during creates A / B (ms)': `${stallSeqA.maxMs} / ${stallSeqB.maxMs}`,
      '  of which own CPU, A / B (ms)  ': `${stallSeqA.maxCpuMs} / ${stallSeqB.maxCpuMs}`,
    };
  } finally {
    await Promise.all(started.map((p) => p.stop()));
    if (schema && typeof schema !== 'string') await schema.drop();
    await redis.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

const results: Record<string, string>[] = [];
for (const backend of BACKENDS) results.push(await run(backend));
for (const r of results) {
  console.log(`\n${r.backend}:`);
  for (const [k, v] of Object.entries(r)) if (k !== 'backend') console.log(`  ${k.padEnd(48)} ${v}`);
}
