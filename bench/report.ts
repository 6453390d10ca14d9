// Tables, targets and bench/RESULTS.md for `npm run bench`.
import { cpus, loadavg, release, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { median, roundAdded, roundRatios, type Round, type Rounds, type TargetName } from './measure.js';

export interface Scenario {
  readonly name: string;
  readonly bodyBytes: number;
  readonly rounds: Rounds[];
  readonly idleRssMb: number;
  readonly peakRssMb: Record<'rankway' | 'pipe proxy' | 'json proxy' | 'rankway (base)', number>;
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
/** "median [min–max]" of per-round values. */
const spread = (xs: readonly number[], d = 2) => {
  const f = xs.filter(Number.isFinite);
  if (f.length === 0) return 'n/a';
  return `${fmt(median(f), d)} [${fmt(Math.min(...f), d)}–${fmt(Math.max(...f), d)}]`;
};
const TARGETS: TargetName[] = ['direct', 'pipe proxy', 'json proxy', 'rankway', 'rankway (base)'];

function table(s: Scenario): string[] {
  const lines = [
    '| target | conns | req/s | p50 ms | p99 ms | added p50 ms | added p99 ms | CPU/req µs | peak RSS MB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of s.rounds) {
    const direct = r.byTarget.get('direct');
    for (const t of TARGETS) {
      const rs = r.byTarget.get(t);
      if (!rs) continue;
      const m = (f: (x: Round) => number) => median(rs.map(f));
      const added = (f: (x: Round) => number) => (direct && t !== 'direct' ? spread(roundAdded(rs, direct, f), 3) : '');
      const rss = t === 'direct' ? NaN : s.peakRssMb[t];
      lines.push(
        `| ${t} | ${r.connections} | ${fmt(
          m((x) => x.rps),
          0,
        )} | ${fmt(
          m((x) => x.p50),
          3,
        )} | ${fmt(
          m((x) => x.p99),
          3,
        )} | ${added((x) => x.p50)} | ${added((x) => x.p99)} | ${spread(
          rs.map((x) => x.cpuPerReqUs),
          1,
        )} | ${fmt(rss, 1)} | ${rs.reduce((n, x) => n + x.errors, 0)} |`,
      );
    }
  }
  lines.push('', '| Rankway over | conns | CPU/request | p50 | peak RSS |', '|---|---:|---:|---:|---:|');
  for (const r of s.rounds) {
    const rk = r.byTarget.get('rankway');
    for (const ref of ['pipe proxy', 'json proxy', 'rankway (base)'] as const) {
      const other = r.byTarget.get(ref);
      if (!rk || !other) continue;
      lines.push(
        `| ${ref} | ${r.connections} | **${spread(roundRatios(rk, other, (x) => x.cpuPerReqUs))}×** | ${spread(roundRatios(rk, other, (x) => x.p50))}× | ${fmt(s.peakRssMb.rankway / s.peakRssMb[ref])}× |`,
      );
    }
  }
  return lines;
}

export function printScenario(s: Scenario): void {
  process.stdout.write(`\n## ${s.name} (${(s.bodyBytes / 1024).toFixed(1)} KB body)\n${table(s).join('\n')}\n`);
}

/** Median per-round ratio of Rankway to a reference at a connection count. */
function ratio(s: Scenario, ref: TargetName, c: number, f: (x: Round) => number): number {
  const r = s.rounds.find((x) => x.connections === c);
  const rk = r?.byTarget.get('rankway');
  const other = r?.byTarget.get(ref);
  return rk && other ? median(roundRatios(rk, other, f)) : NaN;
}

function targets(results: readonly Scenario[]): string[] {
  const out: string[] = [];
  const check = (value: number, limit: number, text: string) => {
    if (Number.isFinite(value)) out.push(`- ${value <= limit ? '✅' : '❌'} ${text}: ${fmt(value)} (target ≤ ${limit})`);
  };
  const cpu = (x: Round) => x.cpuPerReqUs;
  for (const s of results) {
    const docs = /rerank (\d+) documents$/.exec(s.name);
    const n = docs ? Number(docs[1]) : undefined;
    if (s.name.startsWith('rerank')) check(ratio(s, 'pipe proxy', 50, cpu), 3, `${s.name}, 50 conns: CPU/request × the pipe proxy`);
    if (n === 20) check(ratio(s, 'pipe proxy', 50, cpu), 2, `${s.name}, 50 conns: CPU/request × the pipe proxy (small requests)`);
    if (n !== undefined && n >= 1000) check(ratio(s, 'json proxy', 50, cpu), 1, `${s.name}, 50 conns: CPU/request × the JSON proxy`);
    if (s.name === 'chat') check(ratio(s, 'pipe proxy', 50, cpu), 1.5, 'chat, 50 conns: CPU/request × the pipe proxy');
    if (n === 1000) {
      const one = s.rounds.find((x) => x.connections === 1);
      const rk = one?.byTarget.get('rankway');
      const direct = one?.byTarget.get('direct');
      if (rk && direct) check(median(roundAdded(rk, direct, (x) => x.p50)), 0.5, `${s.name}: added p50 at 1 connection, ms`);
    }
    const rss = s.peakRssMb.rankway / s.peakRssMb['pipe proxy'];
    if (n === 20 || s.name === 'chat') check(rss, 1.3, `${s.name}: peak RSS × the pipe proxy`);
    if (n === 1000) check(rss, 1.5, `${s.name}: peak RSS × the pipe proxy`);
  }
  return out;
}

export function writeReport(results: readonly Scenario[], opts: { seconds: number; warmup: number; rounds: number }): void {
  const cpu = cpus();
  const idle = results.map((s) => s.idleRssMb);
  const lines = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` on ${new Date().toISOString()}.`,
    `Machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB RAM, Linux ${release()}, Node ${process.version}.`,
    `Load average when the run ended: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')} on ${cpu.length} cores (the machine is shared: figures are noisy).`,
    '',
    `Each scenario starts fresh processes: the fake upstream (shared), a **pipe proxy** (node:http in and out,`,
    'bodies piped through untouched: the floor), a **JSON proxy** (reads the body, `JSON.parse` once, `JSON.stringify`',
    'once, undici upstream) and Rankway with caller keys, a provider rate limit, usage recording to SQLite, access',
    `logs and metrics on. Per connection count: ${opts.warmup} s warm-up per target, then ${opts.rounds} rounds of ${opts.seconds} s of`,
    'autocannon load, interleaved across the targets (direct, pipe, JSON, Rankway, direct, ...). CPU per request is the',
    '`process.cpuUsage()` delta of the process under test over the requests it served. Figures are the median of the rounds',
    'with [min–max]; ratios are taken within each round, then the median and spread of those. Added latency is the',
    "target's p50/p99 minus the direct call's in the same round. Peak RSS is each process's VmHWM (its own high-water mark) at the end of its scenario.",
    `Rankway's RSS idle after start-up (after a GC): ${fmt(median(idle), 1)} MB (median of ${idle.length} starts).`,
    '',
    '## Targets',
    '',
    ...targets(results),
    '',
  ];
  for (const s of results) lines.push(`## ${s.name} (${(s.bodyBytes / 1024).toFixed(1)} KB body)`, '', ...table(s), '');
  const notes = new URL('./NOTES.md', import.meta.url);
  if (existsSync(notes)) lines.push(readFileSync(notes, 'utf8'));
  writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'));
  process.stdout.write('\nwrote bench/RESULTS.md\n');
}
