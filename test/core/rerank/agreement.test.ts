import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agreement, jaccardAt, kendallTauB, overlapAt, rbo } from '../../../src/core/rerank/agreement.js';
import { seededRandom } from '../../../src/eval/stats.js';

const close = (a: number, b: number, what = '', eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${what}: ${a} != ${b}`);

/** RBO of two long lists summed from the definition, (1-p) Σ p^(d-1) A_d, to their full depth. */
function definitionRbo(a: number[], b: number[], p: number): number {
  let sum = 0;
  for (let d = 1; d <= a.length; d++) {
    const top = new Set(a.slice(0, d));
    const shared = b.slice(0, d).filter((x) => top.has(x)).length;
    sum += p ** (d - 1) * (shared / d);
  }
  return (1 - p) * sum;
}

function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('ranking agreement', () => {
  it('computes overlap@k and Jaccard@k', () => {
    close(overlapAt([1, 2, 3], [3, 4, 5], 3), 1 / 3);
    close(jaccardAt([1, 2, 3], [3, 4, 5], 3), 1 / 5);
    close(jaccardAt([], [], 3), 1);
  });

  it('gives RBO by hand for one shared item and for disjoint prefixes (p = 0.9)', () => {
    // Depth 1, same item: min = (1-p)/p · ln(1/(1-p)); ext = max = 1.
    const same = rbo(['x'], ['x'], 0.9);
    close(same.min, (0.1 / 0.9) * Math.log(10), 'min');
    close(same.ext, 1, 'ext');
    close(same.max, 1, 'max');
    // Disjoint depth 2: nothing seen agrees; the tail could still agree from depth 3 on
    // (2 of 3 at best), then fully from depth 4: max = (1/9)(2/3)0.9^3 + 0.9^3.
    const apart = rbo(['a', 'b'], ['c', 'd'], 0.9);
    assert.deepEqual([apart.min, apart.ext], [0, 0]);
    close(apart.max, (1 / 9) * (2 / 3) * 0.729 + 0.729, 'max');
  });

  it('brackets the RBO of the full rankings between min and max seen at depth 10', () => {
    const random = seededRandom(5);
    for (let trial = 0; trial < 50; trial++) {
      // Two rankings of 400 items that agree more at the top (a noisy copy).
      const a = shuffled(400, random);
      const b = [...a];
      for (let s = 0; s < 60 + trial * 4; s++) {
        const i = Math.floor(random() * 400);
        const j = Math.min(399, i + Math.floor(random() * 30));
        [b[i], b[j]] = [b[j], b[i]];
      }
      const truth = definitionRbo(a, b, 0.9); // 0.9^400 of weight is left out: negligible
      const seen = rbo(a.slice(0, 10), b.slice(0, 10), 0.9);
      assert.ok(seen.min <= truth + 1e-12 && truth <= seen.max + 1e-12, `trial ${trial}: ${seen.min} <= ${truth} <= ${seen.max}`);
      assert.ok(seen.min <= seen.ext && seen.ext <= seen.max);
      // At full depth the bounds close on the definition.
      const all = rbo(a, b, 0.9);
      close(all.min, truth, 'min at depth 400', 1e-6);
      close(all.max, truth, 'max at depth 400', 1e-6);
    }
  });

  it("computes Kendall's tau-b with ties, over the documents both scored", () => {
    const s = (scores: number[]) => scores.map((score, id) => ({ id, score }));
    close(kendallTauB(s([3, 2, 1]), s([3, 2, 1])), 1);
    close(kendallTauB(s([3, 2, 1]), s([1, 2, 3])), -1);
    // x = [1, 1, 2], y = [1, 2, 3]: C = 2, D = 0, one pair tied in x only: 2 / sqrt(3 · 2).
    close(kendallTauB(s([1, 1, 2]), s([1, 2, 3])), 2 / Math.sqrt(6));
    // Only ids 0 and 2 are shared: one concordant pair.
    close(
      kendallTauB(s([5, 4, 3]), [
        { id: 0, score: 9 },
        { id: 2, score: 1 },
        { id: 7, score: 50 },
      ]),
      1,
    );
    assert.ok(Number.isNaN(kendallTauB(s([1]), s([1]))));
  });

  it('reports top-1 agreement and every figure together', () => {
    const a = [
      { id: 2, score: 0.9 },
      { id: 0, score: 0.5 },
      { id: 1, score: 0.1 },
    ];
    const b = [
      { id: 2, score: 8 },
      { id: 1, score: 3 },
      { id: 0, score: 1 },
    ];
    const g = agreement(a, b, 2);
    assert.equal(g.top1, true);
    close(g.overlap, 1 / 2);
    close(g.kendallTauB, 1 / 3);
  });
});
