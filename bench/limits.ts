// `npm run bench:limits`: what shared (Redis) accounting of rpm, tpm and budgets costs against
// in-process limits, on the same 20-document rerank through the same fake upstream. Each
// Rankway runs in its own process; the figure to hold against the target (≤ 1.2×) is the
// ratio of CPU per request, with throughput beside it. Uses the Redis at LIMITS_REDIS_URL
// (default redis://127.0.0.1:6379) under a unique key prefix, removed afterwards.
//   BENCH_DURATION (s, default 3), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 50)
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { startChild, type Child } from './process.js';
import { rerankBodies } from './workloads.js';

const DURATION = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const REDIS_URL = process.env.LIMITS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = 'rk-bench-limited';

interface Round {
  readonly rps: number;
  readonly cpuPerReqUs: number;
  readonly errors: number;
}

async function round(child: Child, url: string, body: string, seconds: number): Promise<Round> {
  const before = await child.usage();
  let ok = 0;
  let errors = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const run = autocannon(
      {
        url: `${url}/v1/rerank`,
        connections: CONNECTIONS,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body,
      },
      () => resolve(),
    );
    run.on('response', (_c: unknown, status: number) => (status === 200 ? ok++ : errors++));
  });
  const elapsed = (performance.now() - t0) / 1000;
  const after = await child.usage();
  return { rps: (ok + errors) / elapsed, cpuPerReqUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, ok + errors), errors };
}

async function main(): Promise<void> {
  const prefix = `rw_bench_${randomBytes(4).toString('hex')}:`;
  const upstream = await startChild('upstream.ts', {});
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const memory = await startChild('limits-server.ts', { UPSTREAM_URL: upstreamUrl });
  const shared = await startChild('limits-server.ts', { UPSTREAM_URL: upstreamUrl, LIMITS_REDIS_URL: REDIS_URL, LIMITS_PREFIX: prefix });
  const targets = [
    { name: 'in-process limits', child: memory, url: `http://127.0.0.1:${memory.port}` },
    { name: 'Redis limits', child: shared, url: `http://127.0.0.1:${shared.port}` },
  ];
  const body = rerankBodies(20).unified;
  try {
    for (const t of targets) {
      const res = await fetch(`${t.url}/v1/rerank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body,
      });
      if (res.status !== 200) throw new Error(`${t.name}: ${res.status} ${await res.text()}`);
      await round(t.child, t.url, body, 1); // warm-up
    }
    // Interleaved rounds, best of each: a noisy neighbour hits both targets alike.
    const rounds = new Map(targets.map((t) => [t.name, [] as Round[]]));
    for (let r = 0; r < ROUNDS; r++) for (const t of targets) rounds.get(t.name)!.push(await round(t.child, t.url, body, DURATION));
    const best = targets.map((t) => {
      const all = rounds.get(t.name)!;
      return {
        name: t.name,
        rps: Math.max(...all.map((x) => x.rps)),
        cpu: Math.min(...all.map((x) => x.cpuPerReqUs)),
        errors: all.reduce((n, x) => n + x.errors, 0),
      };
    });
    process.stdout.write(`rerank 20 documents, ${CONNECTIONS} connections, best of ${ROUNDS} × ${DURATION} s\n`);
    for (const b of best)
      process.stdout.write(
        `  ${b.name.padEnd(18)} ${b.rps.toFixed(0).padStart(6)} req/s  ${b.cpu.toFixed(1).padStart(7)} µs CPU/request  errors ${b.errors}\n`,
      );
    process.stdout.write(
      `  Redis / in-process: CPU per request ${(best[1].cpu / best[0].cpu).toFixed(2)}×, throughput ${(best[1].rps / best[0].rps).toFixed(2)}×\n`,
    );
  } finally {
    await Promise.all([memory.stop(), shared.stop(), upstream.stop()]);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${prefix}*`).catch(() => [] as string[]);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

await main();
