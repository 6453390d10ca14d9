import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bm25Scores } from '../../../src/providers/local/bm25.js';
import { stem, terms } from '../../../src/providers/local/text.js';

describe('local BM25', () => {
  it('tokenizes with stop words removed and light stemming', () => {
    assert.deepEqual(terms('The gateways are Ranking documents'), ['gateway', 'rank', 'document']);
    assert.equal(stem('running'), 'run');
    assert.equal(stem('policies'), 'policy');
    assert.equal(stem('class'), 'class');
    assert.deepEqual(terms('Größe über 42'), ['größe', 'über', '42']);
  });

  it('ranks the document that matches rare query terms first', () => {
    const docs = [
      'The cat sat on the mat.',
      'Rotate API keys regularly with the admin API.',
      'Metrics are exported for Prometheus.',
      'API documentation lists every endpoint.',
    ];
    const scores = bm25Scores('how to rotate API keys', docs);
    const best = scores.indexOf(Math.max(...scores));
    assert.equal(best, 1);
    assert.equal(scores[0], 0);
    assert.ok(scores[3] > 0 && scores[3] < scores[1]);
  });

  it('squashes scores into [0, 1)', () => {
    const scores = bm25Scores('alpha beta gamma', ['alpha alpha alpha beta beta gamma', 'alpha', 'zzz']);
    for (const s of scores) assert.ok(s >= 0 && s < 1, `score ${s} out of range`);
  });

  it('returns zeros when the query has only stop words', () => {
    assert.deepEqual(bm25Scores('the and of', ['the cat', 'a dog']), [0, 0]);
  });
});
