// `npm run bench:soak` (not in CI): pushes BENCH_SOAK_REQUESTS (default 1,000,000) mixed
// requests through one Rankway process at 50 connections — 20-document reranks, pair-cache
// traffic with fresh documents, chat, and every 50th request 1,000 documents — in blocks of
// BENCH_SOAK_BLOCK requests. After each block it prints the block's CPU per request, major and
// minor GCs per 1,000 requests, and RSS/heap after a forced GC. A long-running instance must
// cost what a fresh one does: exits 1 when the last blocks' CPU per request or major-GC rate
// exceed the first blocks' (after warm-up) by more than BENCH_SOAK_TOLERANCE (default 25%), or
// RSS grows by more than that.
import autocannon from 'autocannon';
import { startChild } from './process.js';
import { cacheRepeatBody, rerankBodies } from './workloads.js';

const TOTAL = Number(process.env.BENCH_SOAK_REQUESTS ?? 1_000_000);
const BLOCK = Number(process.env.BENCH_SOAK_BLOCK ?? Math.max(10_000, Math.round(TOTAL / 20)));
const TOLERANCE = Number(process.env.BENCH_SOAK_TOLERANCE ?? 0.25);

const upstream = await startChild('upstream.ts', {});
const rankway = await startChild('rankway-server.ts', { UPSTREAM_URL: `http://127.0.0.1:${upstream.port}` }, ['--expose-gc']);
const small = rerankBodies(20).unified;
const big = rerankBodies(1000).unified;
const chat = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Which provider should serve this request?' }] });
let n = 0;
/** The mix, by request number. */
function next(): { path: string; body: string } {
  const k = n++;
  if (k % 50 === 0) return { path: '/v1/rerank', body: big };
  if (k % 3 === 0) return { path: '/v1/rerank', body: cacheRepeatBody(20, 0.7) };
  if (k % 3 === 1) return { path: '/v1/chat/completions', body: chat };
  return { path: '/v1/rerank', body: small };
}

interface Block {
  readonly done: number;
  readonly cpuUs: number;
  readonly majorPerK: number;
  readonly minorPerK: number;
  readonly gcMsPerK: number;
  readonly rssMb: number;
  readonly heapMb: number;
}

const blocks: Block[] = [];
let errors = 0;
try {
  let done = 0;
  while (done < TOTAL) {
    const amount = Math.min(BLOCK, TOTAL - done);
    const before = await rankway.usage();
    await new Promise<void>((resolve) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${rankway.port}`,
          connections: 50,
          amount,
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer rk-bench-key' },
          requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
        },
        () => resolve(),
      );
      instance.on('response', (_c: unknown, status: number) => {
        if (status !== 200) errors++;
      });
    });
    const after = await rankway.usage();
    // Memory after a full collection, so garbage does not read as growth; taken after the CPU figures.
    const settled = await rankway.usage(true);
    done += amount;
    const b: Block = {
      done,
      cpuUs: (after.cpuMicros - before.cpuMicros) / amount,
      majorPerK: ((after.gc.major - before.gc.major) * 1000) / amount,
      minorPerK: ((after.gc.minor - before.gc.minor) * 1000) / amount,
      gcMsPerK: ((after.gc.ms - before.gc.ms) * 1000) / amount,
      rssMb: settled.rssBytes / 2 ** 20,
      heapMb: settled.heapUsedBytes / 2 ** 20,
    };
    blocks.push(b);
    process.stdout.write(
      `${String(done).padStart(9)} requests  CPU ${b.cpuUs.toFixed(1)} µs/req  major GC ${b.majorPerK.toFixed(2)}/1k  minor ${b.minorPerK.toFixed(1)}/1k  GC ${b.gcMsPerK.toFixed(1)} ms/1k  RSS ${b.rssMb.toFixed(1)} MB  heap ${b.heapMb.toFixed(1)} MB\n`,
    );
  }
} finally {
  await Promise.all([upstream.stop(), rankway.stop()]);
}

// The first block warms the JIT, pools and caches; compare the next two with the last two.
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const early = blocks.slice(1, 3).length > 0 ? blocks.slice(1, 3) : blocks.slice(0, 1);
const late = blocks.slice(-2);
const growth = (f: (b: Block) => number) => (mean(late.map(f)) - mean(early.map(f))) / Math.max(1e-9, mean(early.map(f)));
const checks: Array<[string, number]> = [
  ['CPU per request', growth((b) => b.cpuUs)],
  // Plus one per 1,000 requests: a block of a few thousand sees 0–2 majors, and 1 → 2 is noise, not growth.
  ['major GCs per request', growth((b) => b.majorPerK + 1)],
  ['RSS', growth((b) => b.rssMb)],
];
process.stdout.write(`\n${TOTAL} requests (${errors} errors); last two blocks against blocks 2–3:\n`);
for (const [name, g] of checks) process.stdout.write(`  ${name}: ${(g * 100).toFixed(1)}%\n`);
const failed = checks.filter(([, g]) => g > TOLERANCE);
if (errors > 0 || failed.length > 0) {
  process.stdout.write(
    errors > 0 ? 'FAIL: errors during the soak\n' : `FAIL: ${failed.map(([n]) => n).join(', ')} grew more than ${TOLERANCE * 100}%\n`,
  );
  process.exit(1);
}
process.stdout.write('OK: a long-running instance costs what a fresh one does\n');
