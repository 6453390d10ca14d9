// `npm run bench`: each scenario against the fake upstream directly, two references and
// Rankway with every feature on, each server in its own child process so CPU time per request
// is that process's own. The references: a pipe proxy (bodies streamed through untouched,
// the floor) and a JSON proxy (parse once, stringify once). Fresh processes per scenario, so
// each peak RSS is that scenario's own. Writes bench/RESULTS.md.
//   BENCH_DURATION (s per round, default 1.5), BENCH_WARMUP (s, default 0.5), BENCH_ROUNDS (default 3),
//   BENCH_ONLY=<scenario substring>, BENCH_CONNECTIONS (default 1,50), BENCH_EXTRA=1 adds
//   chat streaming, local/bm25 and the pair-cache scenario. BENCH_BASELINE=<dir of another
//   checkout> adds that build's Rankway as a fifth target ("rankway (base)"), for A/B runs.
import { startChild, type Child } from './process.js';
import { measureRounds, type Endpoint, type Rounds, type TargetName } from './measure.js';
import { writeReport, printScenario, type Scenario } from './report.js';
import { cacheRepeatBody, corpus, longDocumentBodies, rerankBodies } from './workloads.js';

const opts = {
  seconds: Number(process.env.BENCH_DURATION ?? 1.5),
  warmup: Number(process.env.BENCH_WARMUP ?? 0.5),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};
const ONLY = process.env.BENCH_ONLY;
const EXTRA = process.env.BENCH_EXTRA === '1';
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '1,50').split(',').map(Number);
const KEY = 'rk-bench-key';
const BASELINE = process.env.BENCH_BASELINE;
const RANKWAY_FLAGS = (process.env.BENCH_RANKWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean);

interface Bodies {
  /** What the references and the upstream get (Cohere v2 / OpenAI body). */
  readonly upstream: () => string;
  /** What Rankway gets (its unified body). */
  readonly unified: () => string;
  readonly path?: string;
  readonly upstreamPath?: string;
}

interface Plan {
  readonly name: string;
  readonly bodies: () => Bodies;
  /** Only Rankway (no reference applies). */
  readonly rankwayOnly?: boolean;
  readonly extra?: boolean;
  /** Rounds of a fixed number of requests per connection instead of seconds (bodies of megabytes). */
  readonly requestsPerConnection?: number;
}

const rerank = (size: number) => () => {
  const { cohere, unified } = rerankBodies(size);
  return { upstream: () => cohere, unified: () => unified };
};
const chat = (stream: boolean) => () => {
  const body = JSON.stringify({
    model: 'chat',
    stream,
    messages: [{ role: 'user', content: 'Which provider should serve this request?' }],
  });
  const up = body.replace('"chat"', '"gpt-4o-mini"');
  return { upstream: () => up, unified: () => body, path: '/v1/chat/completions', upstreamPath: '/v1/chat/completions' };
};

const PLANS: Plan[] = [
  { name: 'rerank 10 documents', bodies: rerank(10) },
  { name: 'rerank 20 documents', bodies: rerank(20) },
  { name: 'rerank 100 documents', bodies: rerank(100) },
  { name: 'rerank 1000 documents', bodies: rerank(1000) },
  // 3.7 MB bodies: at 50 connections a second-long round would end before most answers.
  { name: 'rerank 10000 documents', bodies: rerank(10_000), requestsPerConnection: Number(process.env.BENCH_HUGE_REQUESTS ?? 1.2) },
  {
    name: 'rerank 20 documents of 10000 characters',
    bodies: () => {
      const { cohere, unified } = longDocumentBodies(20, 10_000);
      return { upstream: () => cohere, unified: () => unified };
    },
  },
  { name: 'chat', bodies: chat(false) },
  { name: 'chat streaming', bodies: chat(true), extra: true },
  {
    name: 'cache repeat traffic (70% of pairs seen before)',
    extra: true,
    bodies: () => {
      const unified = () => cacheRepeatBody(20, 0.7);
      return { unified, upstream: () => JSON.stringify({ ...JSON.parse(unified()), model: 'rerank-v3.5' }) };
    },
  },
  {
    name: 'local/bm25 1,000 documents of 200 words',
    extra: true,
    rankwayOnly: true,
    bodies: () => {
      const body = JSON.stringify({
        model: 'local/bm25',
        query: 'distributed gateway latency observability budget',
        documents: corpus(1000, 200),
        top_n: 10,
      });
      return { upstream: () => body, unified: () => body };
    },
  },
];

async function probe(url: string, path: string, body: string): Promise<number> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

async function runScenario(plan: Plan, upstream: Child): Promise<Scenario> {
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  const env = { UPSTREAM_URL: upstreamUrl };
  const [pipe, json, rankway, base] = await Promise.all([
    plan.rankwayOnly ? undefined : startChild('pipe-proxy.ts', env),
    plan.rankwayOnly ? undefined : startChild('json-proxy.ts', env),
    startChild('rankway-server.ts', env, ['--expose-gc', ...RANKWAY_FLAGS]),
    BASELINE ? startChild('rankway-server.ts', env, ['--expose-gc', ...RANKWAY_FLAGS], BASELINE) : undefined,
  ]);
  try {
    const idle = await rankway.usage(true);
    const b = plan.bodies();
    const path = b.path ?? '/v1/rerank';
    const status = await probe(`http://127.0.0.1:${rankway.port}`, path, b.unified());
    if (status !== 200) throw new Error(`${plan.name}: Rankway answered ${status}`);
    const at = (c: Child | undefined, name: TargetName, body: () => string, p: string, headers: Record<string, string> = {}): Endpoint[] =>
      c ? [{ name, child: c, url: `http://127.0.0.1:${c.port}`, path: p, body, headers }] : [];
    const list: Endpoint[] = [
      ...(plan.rankwayOnly
        ? []
        : at(upstream, 'direct', b.upstream, b.upstreamPath ?? '/v2/rerank', { authorization: 'Bearer bench-upstream-key' })),
      ...at(pipe, 'pipe proxy', b.upstream, path),
      ...at(json, 'json proxy', b.upstream, path),
      ...at(rankway, 'rankway', b.unified, path, { authorization: `Bearer ${KEY}` }),
      ...at(base, 'rankway (base)', b.unified, path, { authorization: `Bearer ${KEY}` }),
    ];
    const rounds: Rounds[] = [];
    for (const c of plan.rankwayOnly ? [1] : CONNECTIONS)
      rounds.push(
        await measureRounds(list, c, {
          ...opts,
          // About 2 MB of bodies per target warms the JIT without minutes of megabyte bodies.
          warmupRequests: Math.max(8, Math.min(400, Math.round((2 * 2 ** 20) / Buffer.byteLength(b.unified())))),
          requestsPerConnection: plan.requestsPerConnection,
        }),
      );
    const peak = async (c: Child | undefined) => (c ? (await c.usage()).maxRssBytes / 2 ** 20 : NaN);
    return {
      name: plan.name,
      bodyBytes: Buffer.byteLength(b.unified()),
      rounds,
      idleRssMb: idle.rssBytes / 2 ** 20,
      peakRssMb: {
        rankway: await peak(rankway),
        'pipe proxy': await peak(pipe),
        'json proxy': await peak(json),
        'rankway (base)': await peak(base),
      },
    };
  } finally {
    await Promise.all([pipe?.stop(), json?.stop(), rankway.stop(), base?.stop()]);
  }
}

/** A scenario's exact name selects only it; any other text selects every scenario containing it. */
const wanted = (o: string, name: string): boolean => o === name || (name.includes(o) && !PLANS.some((p) => p.name === o));

async function main(): Promise<void> {
  const upstream = await startChild('upstream.ts', {});
  const results: Scenario[] = [];
  try {
    for (const plan of PLANS) {
      if (ONLY ? !ONLY.split(',').some((o) => wanted(o, plan.name)) : plan.extra && !EXTRA) continue;
      const s = await runScenario(plan, upstream);
      results.push(s);
      printScenario(s);
    }
  } finally {
    await upstream.stop();
  }
  writeReport(results, opts);
}

await main();
