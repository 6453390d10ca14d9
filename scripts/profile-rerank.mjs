// Rankway's CPU time per /v1/rerank request, measured in-process while autocannon (its own
// process) drives load and a fake Cohere (its own process) answers instantly. Not a test and
// not the benchmark (`npm run bench`): a quick loop for finding hot spots, e.g.
//   node --import tsx scripts/profile-rerank.mjs [documents=20] [seconds=3] [rounds=5]
// The machine is shared, so it runs several rounds and prints the best and the median.
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx scripts/profile-rerank.mjs
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway } from '../src/app.js';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/log.js';
import pino from 'pino';

const documents = Number(process.argv[2] ?? 20);
const seconds = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 5);

// The fake answers every call with a ready-made Cohere v2 response for `documents` results.
const FAKE = `
const http = require('node:http');
const n = ${documents};
const results = Array.from({ length: n }, (_, i) => ({ index: i, relevance_score: 1 - i / n }));
const body = Buffer.from(JSON.stringify({ id: 'x', results, meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } } }));
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }); res.end(body); }); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;
const fake = spawn(process.execPath, ['-e', FAKE], { stdio: ['ignore', 'pipe', 'inherit'] });
const fakePort = await new Promise((resolve) => fake.stdout.once('data', (d) => resolve(Number(String(d).trim()))));

const dataDir = mkdtempSync(join(tmpdir(), 'rankway-profile-'));
const config = buildConfig(
  {
    server: { port: 0, admin_port: 0 },
    storage: { data_dir: dataDir },
    providers: [{ name: 'cohere', type: 'cohere', api_key: 'k', base_url: `http://127.0.0.1:${fakePort}` }],
  },
  { env: {} },
);
// Access log on, as in production, written to /dev/null.
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: false }) });
const gateway = buildGateway(config, { logger });
const url = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });

const words = 'gateway rerank latency metrics tokens keys rotation kubernetes traces admin provider fallback chunk'.split(' ');
const body = JSON.stringify({
  model: 'cohere/rerank-v3.5',
  query: 'how do I rotate api keys on the gateway',
  documents: Array.from({ length: documents }, (_, i) =>
    Array.from({ length: 30 }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(' '),
  ),
  top_n: 5,
  // Measure the upstream path, not pair-cache hits (CACHE=1 measures those instead).
  ...(process.env.CACHE === '1' ? {} : { cache: false }),
});

const bodyFile = join(dataDir, 'body.json');
writeFileSync(bodyFile, body);

async function load(duration) {
  const args = [
    'node_modules/autocannon/autocannon.js',
    '-c',
    '16',
    '-d',
    String(duration),
    '-m',
    'POST',
    '-H',
    'content-type: application/json',
    '-i',
    bodyFile,
    '-j',
    `${url}/v1/rerank`,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((r) => child.on('exit', r));
  return JSON.parse(out);
}

await load(2); // warm-up: JIT, pools
const runs = [];
for (let i = 0; i < rounds; i++) {
  const cpu0 = process.cpuUsage();
  const result = await load(seconds);
  const cpu = process.cpuUsage(cpu0);
  const requests = result.requests.total;
  runs.push({
    cpuPerRequestUs: Math.round((cpu.user + cpu.system) / requests),
    requests,
    non2xx: result.non2xx,
    rps: Math.round(result.requests.average),
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
  });
}
runs.sort((a, b) => a.cpuPerRequestUs - b.cpuPerRequestUs);
console.log(
  JSON.stringify({
    documents,
    best: runs[0],
    median: runs[Math.floor(runs.length / 2)],
    rssMb: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
await gateway.close();
fake.kill();
rmSync(dataDir, { recursive: true, force: true });
