import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bm25Scores } from '../../../src/providers/local/bm25.js';
import { DEFAULT_BM25 } from '../../../src/providers/local/bm25.js';
import { forEachWord, stem, terms } from '../../../src/providers/local/text.js';

/** Textbook Okapi BM25 over `terms()`, squashed like Rankway's: the reference the fast path must match. */
function referenceBm25(query: string, docs: string[]): number[] {
  const { k1, b, squash } = DEFAULT_BM25;
  const tokenized = docs.map(terms);
  const avg = tokenized.reduce((n, t) => n + t.length, 0) / docs.length || 1;
  const qTerms = new Map<string, number>();
  for (const t of terms(query)) qTerms.set(t, (qTerms.get(t) ?? 0) + 1);
  return tokenized.map((doc) => {
    let raw = 0;
    for (const [t, weight] of qTerms) {
      const f = doc.filter((x) => x === t).length;
      if (f === 0) continue;
      const df = tokenized.filter((d) => d.includes(t)).length;
      const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
      raw += weight * idf * ((f * (k1 + 1)) / (f + k1 * (1 - b + (b * doc.length) / avg)));
    }
    return raw / (raw + squash);
  });
}

describe('local BM25', () => {
  it('tokenizes with stop words removed and Porter2 stemming', () => {
    assert.deepEqual(terms('The gateways are Ranking documents'), ['gateway', 'rank', 'document']);
    assert.equal(stem('running'), 'run');
    assert.equal(stem('policies'), 'polici');
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

  it('finds exactly the words the Unicode regex /[\\p{L}\\p{N}]+/u finds', () => {
    const samples = [
      'Hello, World! 42 times',
      'Größe über Straße — ÆØÅ æøå',
      'naïve café résumé',
      '日本語のテキスト と English mixed',
      'emoji 🎉 party 🚀rocket',
      'math 𝐀𝐁𝐂 bold letters and 𝟙𝟚 digits',
      'İstanbul ǅemal ΣΊΣΥΦΟΣ',
      'tabs\tand\nnewlines\r\nend',
      'lone surrogate \ud800 here and \udc00 there',
      '',
      '   ',
      'trailing-word',
    ];
    for (const text of samples) {
      const words: string[] = [];
      forEachWord(text, (w) => words.push(w));
      assert.deepEqual(words, text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [], JSON.stringify(text));
    }
  });

  it('keeps words apart whose hashes collide', () => {
    // "woodz" and "wegaab" share the 30-bit FNV-1a hash BM25 files words under.
    const scores = bm25Scores('woodz', ['wegaab wegaab wegaab', 'woodz and more', 'nothing here']);
    assert.equal(scores[0], 0);
    assert.ok(scores[1] > 0);
  });

  it('matches a textbook BM25 on a random corpus', () => {
    const vocab = 'gateway gateways rank ranking ranked key keys rotate rotating metrics the of and Größe über café 42 é'.split(' ');
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const docs = Array.from({ length: 60 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 40) }, () => vocab[Math.floor(rand() * vocab.length)]).join(rand() < 0.5 ? ' ' : ', '),
    );
    for (const query of ['rotating the gateway keys', 'Größe café', 'ranked 42 metrics metrics']) {
      const fast = bm25Scores(query, docs);
      const slow = referenceBm25(query, docs);
      for (const [i, s] of fast.entries()) assert.ok(Math.abs(s - slow[i]) < 1e-12, `${query} doc ${i}: ${s} != ${slow[i]}`);
    }
  });

  it('scores ASCII documents the same on the byte fast path as on the Unicode path', () => {
    const vocab = 'Gateway gateways RANK ranking ranked key Keys rotate rotating metrics the Of and a42 x 9 do dog'.split(' ');
    let seed = 11;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const docs = Array.from({ length: 80 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 60) }, () => vocab[Math.floor(rand() * vocab.length)]).join(rand() < 0.5 ? ' ' : '; '),
    );
    // '€' is neither a letter nor a digit: it adds no word but sends the text down the Unicode path.
    const unicode = docs.map((d) => `${d} €`);
    for (const query of ['rotating the gateway keys', 'x 9 dog', 'RANKED a42']) {
      const ascii = bm25Scores(query, docs);
      assert.deepEqual(ascii, bm25Scores(query, unicode));
      assert.deepEqual(
        ascii,
        referenceBm25(query, docs).map((s, i) => (Math.abs(s - ascii[i]) < 1e-12 ? ascii[i] : s)),
      );
    }
  });
});
