/**
 * CPU per request of the proxy with caller auth, rate limits, budget and usage recording on,
 * against the same gateway with `auth: none` (usage recording is on in both). Each variant
 * runs as its own process; CPU is read from /proc for that process only, so the load
 * generator's own work is not counted. Run: node --import tsx bench/control-overhead.ts
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startRankway } from '../test/helpers/process.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const KEY = 'sk-bench-caller';
const body = JSON.stringify({
  model: 'local/bm25',
  query: 'rotate api keys',
  documents: ['Rotate API keys from the admin API.', 'Metrics.', 'Keys are hashed.'],
});

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, USER_HZ = 100
}

async function run(withControl: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-bench-'));
  const config = join(dir, 'rankway.yaml');
  writeFileSync(config, `server:\n  auth: ${withControl ? 'keys' : 'none'}\n`);
  const gw = await startRankway({
    RANKWAY_CONFIG: config,
    RANKWAY_DATA_DIR: dir,
    RANKWAY_ADMIN_KEY: 'bench',
    LOG_LEVEL: 'error',
    DATABASE_URL: '',
    REDIS_URL: '',
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  try {
    if (withControl) {
      const res = await fetch(`${gw.adminUrl}/admin/v1/apikeys`, {
        method: 'POST',
        headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
        body: JSON.stringify({
          key_hash: createHash('sha256').update(KEY).digest('hex'),
          allowed_models: ['local/*'],
          rpm: 10_000_000,
          tpm: 10_000_000,
          budget: { usd: 1_000_000, period: 'month' },
        }),
      });
      if (res.status !== 201) throw new Error(await res.text());
      headers.authorization = `Bearer ${KEY}`;
    }
    const fire = (amount: number) => autocannon({ url: `${gw.url}/v1/rerank`, method: 'POST', headers, body, connections: 16, amount });
    await fire(2000); // warm-up: JIT, pools
    const before = cpuMs(gw.child.pid!);
    const result = await fire(REQUESTS);
    const used = cpuMs(gw.child.pid!) - before;
    if (result.non2xx > 0) throw new Error(`${result.non2xx} non-2xx responses`);
    return (used * 1000) / REQUESTS;
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

// Alternating rounds, best of each: the machine is shared, so the minimum is the least noisy.
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
let without = Infinity;
let withControl = Infinity;
for (let i = 0; i < rounds; i++) {
  without = Math.min(without, await run(false));
  withControl = Math.min(withControl, await run(true));
}
const ratio = withControl / without;
console.log(
  `CPU per request: without auth/limits ${without.toFixed(1)} µs, with ${withControl.toFixed(1)} µs (${((ratio - 1) * 100).toFixed(1)}%)`,
);
if (ratio > 1.2) process.exitCode = 1;
