import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RankedDocument, RerankRequest } from '../../../src/canonical/rerank.js';
import { shadowSchema } from '../../../src/config/lab.js';
import type { ModelConfig } from '../../../src/config/schema.js';
import { newOutcome, ANONYMOUS, type RequestContext } from '../../../src/core/context.js';
import { ShadowTraffic, SHADOW_CALLER } from '../../../src/core/rerank/shadow.js';
import { seededRandom } from '../../../src/eval/stats.js';
import { createLogger } from '../../../src/observability/log.js';

const log = createLogger({ level: 'silent' });
const request: RerankRequest = {
  model: 'a',
  query: 'q',
  documents: [0, 1, 2].map((i) => ({ text: `d${i}`, source: `d${i}` })),
  returnDocuments: false,
};
const served: RankedDocument[] = [
  { index: 2, score: 0.9 },
  { index: 0, score: 0.5 },
  { index: 1, score: 0.1 },
];

function alias(shadow: Record<string, unknown>): ModelConfig {
  return { name: 'a', target: 'p/m', fallbacks: [], cache: 'pairs', on_failure: 'error', arns: [], shadow: shadowSchema.parse(shadow) };
}

function ctx(): RequestContext {
  return { requestId: 'r', deadline: Date.now() + 1000, log, caller: ANONYMOUS, surface: 'rerank', outcome: newOutcome() };
}

/** Shadow calls started (every test's ranker counts itself here). */
let started = 0;
const counted =
  <A extends unknown[], R>(f: (...args: A) => R) =>
  (...args: A): R => {
    started++;
    return f(...args);
  };

/** Runs `n` requests through `offer`, then their after-response tasks; returns how many shadow calls started. */
async function drive(traffic: ShadowTraffic, a: ModelConfig, n: number, tick?: () => void): Promise<number> {
  const before = started;
  for (let i = 0; i < n; i++) {
    const c = ctx();
    traffic.offer(a, request, served, c);
    for (const task of c.afterResponse ?? []) task();
    await new Promise((r) => setImmediate(r));
    tick?.();
  }
  return started - before;
}

describe('shadow traffic', () => {
  it('samples at the configured rate (seeded)', async () => {
    const traffic = new ShadowTraffic({
      rank: counted(async () => ({ results: served, costUsd: 0 })),
      estimate: () => 0,
      random: seededRandom(7),
    });
    const calls = await drive(
      traffic,
      alias({ model: 'p/s', sample_rate: 0.1, max_qps: 1e6, daily_cost_cap: 0, max_in_flight: 1000 }),
      5000,
    );
    // Binomial(5000, 0.1): sd = 21; 4 sd either way.
    assert.ok(Math.abs(calls - 500) < 85, `calls ${calls}`);
  });

  it('never starts more than max_qps calls per second', async () => {
    let now = 0;
    const traffic = new ShadowTraffic({ rank: counted(async () => ({ results: served, costUsd: 0 })), estimate: () => 0, now: () => now });
    // 10 seconds of 100 requests a second, every one sampled, cap 5 per second (burst 5).
    const calls = await drive(
      traffic,
      alias({ model: 'p/s', sample_rate: 1, max_qps: 5, daily_cost_cap: 0, max_in_flight: 1000 }),
      1000,
      () => {
        now += 10;
      },
    );
    assert.ok(calls <= 5 + 5 * 10 && calls >= 5 * 10 - 1, `calls ${calls}`);
  });

  it('stops at the daily cost cap, counting calls in flight at their worst case, and starts again the next UTC day', async () => {
    let now = Date.parse('2026-12-07T10:00:00Z');
    const seen: RequestContext[] = [];
    const traffic = new ShadowTraffic({
      rank: counted(async (_m: string, _r: RerankRequest, c: RequestContext) => {
        seen.push(c);
        return { results: served, costUsd: 0.01 };
      }),
      estimate: () => 0.02,
      now: () => now,
    });
    const a = alias({ model: 'p/s', sample_rate: 1, max_qps: 1e6, daily_cost_cap: 0.1, max_in_flight: 1000 });
    const calls = await drive(traffic, a, 100);
    // Each call holds $0.02 and spends $0.01: 9 calls fit ($0.08 spent + 0.02 held = 0.10), the 10th would pass the cap.
    assert.equal(calls, 9);
    assert.equal(seen[0].caller, SHADOW_CALLER);
    assert.equal(seen[0].caller.limits, undefined);
    assert.equal(seen[0].surface, 'shadow');
    now += 24 * 3_600_000;
    assert.equal(await drive(traffic, a, 1), 1);
  });

  it('skips a sample while max_in_flight calls are still running (a hanging shadow cannot pile up)', async () => {
    const traffic = new ShadowTraffic({ rank: counted(() => new Promise<never>(() => undefined)), estimate: () => 0 });
    const calls = await drive(traffic, alias({ model: 'p/s', sample_rate: 1, max_qps: 1e6, daily_cost_cap: 0, max_in_flight: 3 }), 50);
    assert.equal(calls, 3);
  });

  it('seeded spend from the database counts against the cap', async () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    const traffic = new ShadowTraffic({
      rank: counted(async () => ({ results: served, costUsd: 0.01 })),
      estimate: () => 0.01,
      now: () => now,
    });
    traffic.seed([{ day: '2026-12-07', alias: 'a', shadow: 'p/s', costUsd: 0.095 } as never]);
    const calls = await drive(traffic, alias({ model: 'p/s', sample_rate: 1, max_qps: 1e6, daily_cost_cap: 0.1, max_in_flight: 10 }), 10);
    assert.equal(calls, 0);
  });

  it('a sampled response that never completed (caller hung up) holds no shadow slot', async () => {
    const traffic = new ShadowTraffic({ rank: counted(async () => ({ results: served, costUsd: 0 })), estimate: () => 0 });
    const a = alias({ model: 'p/s', sample_rate: 1, max_qps: 1e6, daily_cost_cap: 0, max_in_flight: 2 });
    // Ten answers whose after-response work never runs.
    for (let i = 0; i < 10; i++) traffic.offer(a, request, served, ctx());
    assert.equal(await drive(traffic, a, 3), 3);
  });
});
