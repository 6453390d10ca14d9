// Load generation and per-round measurement for `npm run bench`.
import autocannon from 'autocannon';
import type { Child } from './process.js';

export interface Endpoint {
  readonly name: TargetName;
  readonly child: Child;
  readonly url: string;
  readonly path: string;
  readonly body: () => string;
  readonly headers: Record<string, string>;
}

export type TargetName = 'direct' | 'pipe proxy' | 'json proxy' | 'rankway' | 'rankway (base)';

/** One round of one target at one connection count. */
export interface Round {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly cpuPerReqUs: number;
  readonly requests: number;
  readonly errors: number;
}

/** Every round of every target at one connection count, plus peak RSS at the end. */
export interface Rounds {
  readonly connections: number;
  readonly byTarget: Map<TargetName, Round[]>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One autocannon run; latencies come from the per-response event (fractional ms), not the integer histogram. */
/** How long one round lasts: seconds, or a number of requests (huge bodies, where seconds would end mid-request). */
export type Amount = { readonly seconds: number } | { readonly requests: number };

export async function load(e: Endpoint, connections: number, amount: Amount) {
  const lat: number[] = [];
  let errors = 0;
  const started = performance.now();
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const instance = autocannon(
    {
      url: e.url + e.path,
      connections,
      pipelining: 1,
      // Megabyte bodies at 50 connections take longer than autocannon's default 10 s.
      timeout: 120,
      ...('requests' in amount ? { amount: amount.requests } : { duration: amount.seconds }),
      method: 'POST',
      headers: { 'content-type': 'application/json', ...e.headers },
      requests: [{ setupRequest: (req) => ({ ...req, body: e.body() }) }],
    },
    () => finish(),
  );
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) lat.push(ms);
    else errors++;
  });
  await done;
  const elapsed = (performance.now() - started) / 1000;
  return { requests: lat.length + errors, errors, latencies: Float64Array.from(lat).sort(), elapsed };
}

async function measureOnce(e: Endpoint, connections: number, amount: Amount): Promise<Round> {
  const before = await e.child.usage();
  const run = await load(e, connections, amount);
  const after = await e.child.usage();
  return {
    rps: run.requests / run.elapsed,
    p50: percentile(run.latencies, 50),
    p99: percentile(run.latencies, 99),
    cpuPerReqUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, run.requests),
    requests: run.requests,
    errors: run.errors,
  };
}

/**
 * Every endpoint at one connection count in interleaved rounds (A B C D A B C D ...), so a
 * burst of load from other processes on the shared machine hits all targets alike; ratios
 * are then taken within each round.
 */
export async function measureRounds(
  list: readonly Endpoint[],
  connections: number,
  opts: {
    readonly rounds: number;
    readonly seconds: number;
    readonly warmup: number;
    readonly warmupRequests: number;
    readonly requestsPerConnection?: number;
  },
): Promise<Rounds> {
  const per = opts.requestsPerConnection;
  const round: Amount = per ? { requests: Math.max(8, per * connections) } : { seconds: opts.seconds };
  // Fresh processes: warm each one by a number of requests (the JIT needs calls, not seconds), then for the time asked.
  const warm: Amount = { requests: Math.max(connections, opts.warmupRequests) };
  for (const e of list) {
    await load(e, connections, warm);
    if (!per && opts.warmup > 0) await load(e, connections, { seconds: opts.warmup });
  }
  const byTarget = new Map<TargetName, Round[]>(list.map((e) => [e.name, []]));
  for (let r = 0; r < opts.rounds; r++) for (const e of list) byTarget.get(e.name)!.push(await measureOnce(e, connections, round));
  return { connections, byTarget };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Per-round values of f(a) / f(b), same round. */
export function roundRatios(a: readonly Round[], b: readonly Round[], f: (r: Round) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) out.push(f(a[i]) / f(b[i]));
  return out;
}

/** Per-round added latency of `a` over `direct`, same round. */
export function roundAdded(a: readonly Round[], direct: readonly Round[], f: (r: Round) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.length, direct.length); i++) out.push(f(a[i]) - f(direct[i]));
  return out;
}
