import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pairedBootstrap, percentile, seededRandom, signTest } from '../../src/eval/stats.js';

/** Exact two-sided binomial(n, 1/2) tail with BigInt counts, as a reference. */
function exactSignP(wins: number, losses: number): number {
  const n = wins + losses;
  const k = Math.min(wins, losses);
  let c = 1n;
  let sum = 0n;
  for (let i = 0; i <= k; i++) {
    if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
    sum += c;
  }
  return Math.min(1, (2 * Number(sum)) / 2 ** n);
}

function normal(random: () => number): number {
  // Box–Muller.
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('sign test', () => {
  it('matches the binomial distribution', () => {
    // 9 wins, 1 loss: 2 * (C(10,0) + C(10,1)) / 2^10.
    assert.ok(Math.abs(signTest([1, 1, 1, 1, 1, 1, 1, 1, 1, -1]).p - (2 * 11) / 1024) < 1e-12);
    for (const [w, l] of [
      [0, 5],
      [3, 3],
      [12, 4],
      [30, 10],
      [1, 0],
      [50, 50],
    ]) {
      const diffs = [...Array(w).fill(0.1), ...Array(l).fill(-0.1)];
      assert.ok(Math.abs(signTest(diffs).p - exactSignP(w, l)) < 1e-12, `${w}/${l}`);
    }
  });

  it('drops ties, and says p = 1 when everything ties', () => {
    const t = signTest([0, 0, 0.5, -0.5, 0]);
    assert.deepEqual([t.wins, t.losses, t.ties, t.p], [1, 1, 3, 1]);
    assert.equal(signTest([0, 0]).p, 1);
  });

  it('does not underflow for thousands of pairs', () => {
    const p = signTest([...Array(1200).fill(1), ...Array(800).fill(-1)]).p;
    assert.ok(p > 0 && p < 1e-15, String(p));
    assert.ok(signTest([...Array(1000).fill(1), ...Array(1000).fill(-1)]).p > 0.99);
  });

  it('rejects at the 5% level about 5% of the time under the null (no more than the exact test allows)', () => {
    const random = seededRandom(11);
    let rejected = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const diffs = Array.from({ length: 25 }, () => (random() < 0.5 ? 1 : -1));
      if (signTest(diffs).p <= 0.05) rejected++;
    }
    // Exact P(p <= 0.05) for n = 25 is P(X <= 7) * 2 = 0.0433; allow sampling noise.
    assert.ok(rejected / trials > 0.025 && rejected / trials < 0.06, String(rejected / trials));
  });
});

describe('paired bootstrap', () => {
  it('is reproducible from its seed', () => {
    const diffs = Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 0.3 + 0.01 * i);
    assert.deepEqual(pairedBootstrap(diffs, { seed: 5 }), pairedBootstrap(diffs, { seed: 5 }));
    assert.notDeepEqual(pairedBootstrap(diffs, { seed: 5 }), pairedBootstrap(diffs, { seed: 6 }));
  });

  it('matches the normal interval mean ± 1.96·s/√n for normal differences', () => {
    const random = seededRandom(3);
    const n = 400;
    const diffs = Array.from({ length: n }, () => 0.05 + 0.2 * normal(random));
    const mean = diffs.reduce((s, d) => s + d, 0) / n;
    const sd = Math.sqrt(diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (n - 1));
    const half = (1.96 * sd) / Math.sqrt(n);
    const b = pairedBootstrap(diffs, { seed: 9, samples: 5000 });
    assert.ok(Math.abs(b.mean - mean) < 1e-12);
    assert.ok(Math.abs(b.low - (mean - half)) < 0.2 * half, `low ${b.low} vs ${mean - half}`);
    assert.ok(Math.abs(b.high - (mean + half)) < 0.2 * half, `high ${b.high} vs ${mean + half}`);
  });

  it('covers the true mean about 95% of the time', () => {
    const random = seededRandom(21);
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const diffs = Array.from({ length: 60 }, () => 0.1 + normal(random));
      const b = pairedBootstrap(diffs, { seed: t, samples: 1000 });
      if (b.low <= 0.1 && 0.1 <= b.high) covered++;
    }
    assert.ok(covered / trials > 0.89 && covered / trials < 0.99, String(covered / trials));
  });

  it('percentile interpolates like R type 7', () => {
    assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
    assert.equal(percentile([10], 95), 10);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});
