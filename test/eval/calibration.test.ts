import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calibrateScore } from '../../src/core/rerank/calibrate.js';
import { fitIsotonic, fitPlatt } from '../../src/eval/calibration.js';
import { seededRandom } from '../../src/eval/stats.js';

describe('score calibration', () => {
  it('isotonic regression matches a hand-computed pool-adjacent-violators case', () => {
    // Labels in score order 1, 0, 1, 0, 1: {1, 0} pools to 0.5; 1 stays; {1, 0} pools to 0.5; 1 stays.
    const c = fitIsotonic([1, 2, 3, 4, 5], [1, 0, 1, 0, 1]);
    assert.equal(c.method, 'isotonic');
    if (c.method !== 'isotonic') return;
    assert.deepEqual(c.x, [1, 2, 3, 4, 5]);
    assert.deepEqual(c.y, [0.5, 0.5, 0.5, 0.5, 1]);
    assert.equal(calibrateScore(c, 0), 0.5);
    assert.equal(calibrateScore(c, 4.5), 0.75);
    assert.equal(calibrateScore(c, 99), 1);
  });

  it('both fits are monotone on noisy data (seeded), and within [0, 1]', () => {
    const random = seededRandom(5);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = random() * 10 - 5;
      scores.push(s);
      labels.push(random() < 1 / (1 + Math.exp(-s)) ? 1 : 0);
    }
    for (const c of [fitIsotonic(scores, labels), fitPlatt(scores, labels)]) {
      let last = -Infinity;
      for (let s = -8; s <= 8; s += 0.01) {
        const v = calibrateScore(c, s);
        assert.ok(v >= last - 1e-12, `${c.method} not monotone at ${s}`);
        assert.ok(v >= 0 && v <= 1);
        last = v;
      }
    }
    // Platt recovers the logistic it was drawn from.
    const p = fitPlatt(scores, labels);
    if (p.method === 'platt') {
      assert.ok(Math.abs(p.a - 1) < 0.2, `a ${p.a}`);
      assert.ok(Math.abs(p.b) < 0.2, `b ${p.b}`);
    }
  });

  it('two score scales of the same ranking calibrate to the same probabilities', () => {
    const random = seededRandom(9);
    const raw = Array.from({ length: 500 }, () => random());
    const labels = raw.map((s) => (random() < s ? 1 : 0));
    const a = fitIsotonic(raw, labels);
    const b = fitIsotonic(
      raw.map((s) => 20 * s - 10),
      labels,
    );
    for (const s of [0.05, 0.3, 0.5, 0.77, 0.95]) assert.ok(Math.abs(calibrateScore(a, s) - calibrateScore(b, 20 * s - 10)) < 1e-9);
  });
});
