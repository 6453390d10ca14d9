// `npm run bench:soak` (not in CI): pushes BENCH_SOAK_REQUESTS (default 1,000,000) 20-document
// rerank requests through Rankway at 50 connections and checks its RSS does not grow.
// RSS and heap are sampled after a forced GC in the Rankway process, so garbage does not
// read as a leak. Exits 1 when RSS after the warm-up grows by more than BENCH_SOAK_TOLERANCE (default 10%).
import autocannon from 'autocannon';
import { startChild } from './process.js';
import { rerankBodies } from './workloads.js';

const TOTAL = Number(process.env.BENCH_SOAK_REQUESTS ?? 1_000_000);
const TOLERANCE = Number(process.env.BENCH_SOAK_TOLERANCE ?? 0.1);
const SAMPLE_MS = Number(process.env.BENCH_SOAK_SAMPLE_MS ?? 10_000);

const upstream = await startChild('upstream.ts', {});
const rankway = await startChild('rankway-server.ts', { UPSTREAM_URL: `http://127.0.0.1:${upstream.port}` }, ['--expose-gc']);
const { unified } = rerankBodies(20);
const samples: Array<{ at: number; done: number; rssMb: number; heapMb: number; externalMb: number }> = [];
let done = 0;
let errors = 0;
const started = Date.now();

const sample = async () => {
  const u = await rankway.usage(true);
  const s = {
    at: (Date.now() - started) / 1000,
    done,
    rssMb: u.rssBytes / 2 ** 20,
    heapMb: u.heapUsedBytes / 2 ** 20,
    externalMb: u.externalBytes / 2 ** 20,
  };
  samples.push(s);
  process.stdout.write(
    `${s.at.toFixed(0).padStart(5)} s  ${String(done).padStart(9)} requests  RSS ${s.rssMb.toFixed(1)} MB  heap ${s.heapMb.toFixed(1)} MB  external ${s.externalMb.toFixed(1)} MB\n`,
  );
};

try {
  await sample();
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  await new Promise<void>((resolve) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${rankway.port}/v1/rerank`,
        connections: 50,
        amount: TOTAL,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer rk-bench-key' },
        body: unified,
      },
      () => resolve(),
    );
    instance.on('response', (_c: unknown, status: number) => {
      done++;
      if (status !== 200) errors++;
    });
  });
  clearInterval(timer);
  await sample();
} finally {
  await Promise.all([upstream.stop(), rankway.stop()]);
}

// RSS moves with the allocator from sample to sample, so compare averages: the samples taken
// between 10% and 30% of the run (pools, JIT and caches warmed up) against the last three.
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const warmSamples = samples.filter((s) => s.done >= TOTAL * 0.1 && s.done <= TOTAL * 0.3);
const warmRss = mean((warmSamples.length > 0 ? warmSamples : samples.slice(1, 2)).map((s) => s.rssMb));
const endRss = mean(samples.slice(-3).map((s) => s.rssMb));
const last = samples[samples.length - 1];
const growth = (endRss - warmRss) / warmRss;
process.stdout.write(
  `\n${done} requests (${errors} errors) in ${last.at.toFixed(0)} s; RSS ${warmRss.toFixed(1)} MB after warm-up (mean) -> ${endRss.toFixed(1)} MB at the end (mean of 3) (${(growth * 100).toFixed(1)}%)\n`,
);
if (errors > 0 || growth > TOLERANCE) {
  process.stdout.write(errors > 0 ? 'FAIL: errors during the soak\n' : `FAIL: RSS grew more than ${TOLERANCE * 100}%\n`);
  process.exit(1);
}
process.stdout.write('OK: no RSS growth\n');
