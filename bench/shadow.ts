// `npm run bench` (after bench/run.ts): does shadowing an alias at 10% add latency to its
// callers? The same Rankway serves a fixed request rate (below saturation, as production
// does) with no shadow and with a 10% shadow, in interleaved rounds; the best round of each
// is kept (as bench/run.ts does) and the p99 ratio is reported, with the shadow lines of
// /metrics. Writes bench/SHADOW-RESULTS.md.
//   BENCH_DURATION (s, default 4), BENCH_ROUNDS (default 3), SHADOW_BENCH_RATE (req/s, default 300)
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startChild, type Child } from './process.js';
import { rerankBodies } from './workloads.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = Number(process.env.SHADOW_BENCH_RATE ?? 300);
const CONNECTIONS = 32;

interface Round {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  readonly errors: number;
}

const pct = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function load(url: string, body: string, seconds: number): Promise<Round> {
  const lat: number[] = [];
  let errors = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const instance = autocannon(
      {
        url: `${url}/v1/rerank`,
        connections: CONNECTIONS,
        overallRate: RATE,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      },
      () => resolve(),
    );
    instance.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
      if (status === 200) lat.push(ms);
      else errors++;
    });
  });
  const sorted = Float64Array.from(lat).sort();
  return { p50: pct(sorted, 50), p99: pct(sorted, 99), rps: lat.length / ((performance.now() - started) / 1000), errors };
}

const upstream = await startChild('upstream.ts', {});
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const dir = mkdtempSync(join(tmpdir(), 'rankway-shadow-bench-'));
const servers: Array<{ name: string; child: Child; admin: string }> = [];
try {
  for (const [name, rate] of [
    ['no shadow', '0'],
    ['shadow 10%', '0.1'],
  ] as const) {
    const file = join(dir, `${rate}.admin`);
    const child = await startChild('shadow-server.ts', { UPSTREAM_URL: upstreamUrl, SHADOW_RATE: rate, SHADOW_ADMIN_FILE: file });
    servers.push({ name, child, admin: readFileSync(file, 'utf8') });
  }
  const body = JSON.parse(rerankBodies(50).unified) as Record<string, unknown>;
  const payload = JSON.stringify({ ...body, model: 'search' });
  for (const s of servers) await load(`http://127.0.0.1:${s.child.port}`, payload, 1);
  const best = new Map<string, Round>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const s of servers) {
      const round = await load(`http://127.0.0.1:${s.child.port}`, payload, DURATION);
      const prev = best.get(s.name);
      if (!prev || round.p99 < prev.p99) best.set(s.name, round);
    }
  }
  const off = best.get('no shadow')!;
  const on = best.get('shadow 10%')!;
  const metrics = await (await fetch(`${servers[1].admin}/metrics`)).text();
  const shadowLines = metrics
    .split('\n')
    .filter((l) => /^rankway_shadow_(requests_total|overlap_at_k_count|rbo_sum|rbo_count|top1_agreement_sum)/.test(l));
  const row = (n: string, m: Round) => `| ${n} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors} |`;
  const report = [
    '# Shadow traffic: caller latency with and without a 10% shadow',
    '',
    `${new Date().toISOString()}, ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(2)}; ${RATE} req/s offered over ${CONNECTIONS} connections, 50 documents per request, best of ${ROUNDS} interleaved ${DURATION} s rounds.`,
    '',
    '| Rankway | req/s | p50 ms | p99 ms | errors |',
    '|---|---|---|---|---|',
    row('no shadow', off),
    row('shadow at 10%', on),
    '',
    `p99 with the shadow / without: **${(on.p99 / off.p99).toFixed(3)}** (target: within the round-to-round noise, about 1.0).`,
    '',
    'Shadow lines of `/metrics` after the run:',
    '',
    '```',
    ...shadowLines,
    '```',
    '',
  ].join('\n');
  writeFileSync(new URL('./SHADOW-RESULTS.md', import.meta.url), report);
  console.log(report);
} finally {
  for (const s of servers) await s.child.stop();
  await upstream.stop();
}
