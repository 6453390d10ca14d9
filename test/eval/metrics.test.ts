import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conventionsOf, DEFAULT_CONVENTIONS, type Conventions } from '../../src/eval/conventions.js';
import { orderRanking, queryMetrics, type Judgments } from '../../src/eval/metrics.js';
import { seededRandom } from '../../src/eval/stats.js';

const close = (actual: number, expected: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${what}: ${actual} != ${expected}`);
const L2 = (i: number): number => Math.log2(i);

describe('IR metrics, hand-computed', () => {
  it('scores a binary ranking: AP, RR, Recall, nDCG and Judged', () => {
    // Relevant: a, c, d (d never returned); b is unjudged.
    const m = queryMetrics(['a', 'b', 'c'], { a: 1, c: 1, d: 1 }, [2, 3], DEFAULT_CONVENTIONS);
    close(m.ap, (1 / 1 + 2 / 3) / 3, 'AP');
    close(m.rr, 1, 'RR');
    close(m.recall[2], 1 / 3, 'R@2');
    close(m.recall[3], 2 / 3, 'R@3');
    close(m.ndcg[3], (1 + 1 / L2(4)) / (1 + 1 / L2(3) + 1 / L2(4)), 'nDCG@3');
    close(m.judged[3], 2 / 3, 'Judged@3');
  });

  it('builds the ideal DCG from every judgment, so a short list cannot score 1', () => {
    const m = queryMetrics(['a'], { a: 1, b: 1 }, [10], DEFAULT_CONVENTIONS);
    close(m.ndcg[10], 1 / (1 + 1 / L2(3)));
    // Cut to the returned list (Elasticsearch's way) it would have been 1.
    assert.ok(m.ndcg[10] < 1);
    close(m.judged[10], 1 / 10, 'Judged@10 divides by k');
  });

  it('uses graded gains, linear by default and 2^g - 1 when exponential', () => {
    const judgments = { x: 1, y: 3 };
    const linear = queryMetrics(['x', 'y'], judgments, [2], DEFAULT_CONVENTIONS);
    close(linear.ndcg[2], (1 + 3 / L2(3)) / (3 + 1 / L2(3)));
    const exponential = queryMetrics(['x', 'y'], judgments, [2], conventionsOf({ gain: 'exponential' }));
    close(exponential.ndcg[2], (1 + 7 / L2(3)) / (7 + 1 / L2(3)));
  });

  it('treats unjudged documents as non-relevant and grade 0 as judged non-relevant', () => {
    const m = queryMetrics(['u', 'n', 'r'], { n: 0, r: 2 }, [3], DEFAULT_CONVENTIONS);
    close(m.rr, 1 / 3);
    close(m.ap, 1 / 3);
    close(m.judged[3], 2 / 3);
    close(m.ndcg[3], 2 / L2(4) / 2);
  });

  it('counts relevance from relevant_grade on: lower grades still add DCG gain', () => {
    const c = conventionsOf({ relevant_grade: 2 });
    const m = queryMetrics(['low', 'high'], { low: 1, high: 2 }, [2], c);
    close(m.rr, 1 / 2);
    close(m.ap, 1 / 2);
    close(m.recall[2], 1);
    close(m.ndcg[2], (1 + 2 / L2(3)) / (2 + 1 / L2(3)));
  });

  it('gives zeros for a query without relevant documents', () => {
    const m = queryMetrics(['a', 'b'], { a: 0 }, [1, 10], DEFAULT_CONVENTIONS);
    assert.deepEqual([m.ap, m.rr, m.ndcg[10], m.recall[10]], [0, 0, 0, 0]);
    close(m.judged[1], 1);
    const none = queryMetrics([], { a: 1 }, [10], DEFAULT_CONVENTIONS);
    assert.deepEqual([none.ap, none.rr, none.ndcg[10], none.recall[10], none.judged[10]], [0, 0, 0, 0, 0]);
  });

  it('breaks ties by document id, descending, whatever order the model returned', () => {
    const scored = [
      { id: 'a', score: 1 },
      { id: 'c', score: 2 },
      { id: 'b', score: 1 },
      { id: 'd10', score: 0.5 },
      { id: 'd9', score: 0.5 },
    ];
    assert.deepEqual(orderRanking(scored), ['c', 'b', 'a', 'd9', 'd10']);
    assert.deepEqual(orderRanking([...scored].reverse()), ['c', 'b', 'a', 'd9', 'd10']);
    // With a tie between a relevant and a non-relevant document the figures follow that order.
    const m = queryMetrics(
      orderRanking([
        { id: 'x', score: 1 },
        { id: 'y', score: 1 },
      ]),
      { x: 1 },
      [1],
      DEFAULT_CONVENTIONS,
    );
    close(m.rr, 1 / 2);
  });
});

/** A second implementation written from the textbook definitions, with nothing shared. */
function reference(ranking: string[], judgments: Judgments, k: number, c: Conventions) {
  const grade = (id: string): number => judgments[id] ?? 0;
  const gain = (g: number): number => (g <= 0 ? 0 : c.gain === 'linear' ? g : 2 ** g - 1);
  const relevant = Object.keys(judgments).filter((id) => judgments[id] >= c.relevant_grade);
  const isRel = (id: string): boolean => relevant.includes(id);
  const top = ranking.slice(0, k);
  const dcg = top.reduce((s, id, i) => s + gain(grade(id)) / Math.log2(i + 2), 0);
  const ideal = Object.values(judgments)
    .map(gain)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((s, g, i) => s + g / Math.log2(i + 2), 0);
  let ap = 0;
  ranking.forEach((id, i) => {
    if (isRel(id)) ap += ranking.slice(0, i + 1).filter(isRel).length / (i + 1);
  });
  const first = ranking.findIndex(isRel);
  return {
    ndcg: ideal === 0 ? 0 : dcg / ideal,
    ap: relevant.length === 0 ? 0 : ap / relevant.length,
    rr: first < 0 ? 0 : 1 / (first + 1),
    recall: relevant.length === 0 ? 0 : top.filter(isRel).length / relevant.length,
    judged: top.filter((id) => id in judgments).length / k,
  };
}

describe('IR metrics against an independent implementation', () => {
  it('agrees on 500 random rankings with graded, partial judgments', () => {
    const random = seededRandom(7);
    for (let trial = 0; trial < 500; trial++) {
      const corpus = Array.from({ length: 5 + Math.floor(random() * 40) }, (_, i) => `d${i}`);
      const judgments: Record<string, number> = {};
      for (const id of corpus) if (random() < 0.4) judgments[id] = Math.floor(random() * 4);
      const ranking = corpus.filter(() => random() < 0.7).sort(() => random() - 0.5);
      const c = conventionsOf({ gain: random() < 0.5 ? 'linear' : 'exponential', relevant_grade: 1 + Math.floor(random() * 2) });
      const ks = [1, 3, 10, 20];
      const got = queryMetrics(ranking, judgments, ks, c);
      for (const k of ks) {
        const want = reference(ranking, judgments, k, c);
        close(got.ndcg[k], want.ndcg, `trial ${trial} nDCG@${k}`);
        close(got.recall[k], want.recall, `trial ${trial} R@${k}`);
        close(got.judged[k], want.judged, `trial ${trial} Judged@${k}`);
        close(got.ap, want.ap, `trial ${trial} AP`);
        close(got.rr, want.rr, `trial ${trial} RR`);
      }
    }
  });
});
