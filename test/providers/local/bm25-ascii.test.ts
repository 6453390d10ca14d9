import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bm25Scores } from '../../../src/providers/local/bm25.js';
import { STOP_WORDS as STOP_WORD_SET, terms } from '../../../src/providers/local/text.js';

/**
 * The byte fast path (`countAscii`) must find the same words, stop words and query terms as
 * the Unicode path (`countUnicode`). '€' is neither a letter nor a digit: appended after a
 * space it adds no word but sends a document down the Unicode path, so comparing the two
 * score lists compares the paths. Scores also depend on each document's length (its non-stop
 * words), so a stop word missed or invented by either path shows up.
 */
function assertPathsAgree(query: string, docs: string[], label = query): void {
  const ascii = bm25Scores(query, docs);
  const unicode = bm25Scores(
    query,
    docs.map((d) => `${d} €`),
  );
  assert.deepEqual(ascii, unicode, label);
}

/** The stop list of text.ts: every one must be dropped by the tokenizer, on both paths. */
const STOP_WORDS = [...STOP_WORD_SET];

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function casing(word: string, r: number): string {
  if (r < 0.15) return word.toUpperCase();
  if (r < 0.3) return word[0].toUpperCase() + word.slice(1);
  if (r < 0.35) return [...word].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  return word;
}

describe('local BM25 ASCII fast path', () => {
  it('sees every stop word, in any case, as the Unicode path does', () => {
    for (const w of STOP_WORDS) assert.deepEqual(terms(w), [], `${w} is a stop word`);
    // One stop word per document beside a query term: the documents' lengths differ only
    // if a stop word is counted.
    const docs = STOP_WORDS.flatMap((w) => [
      `gateway ${w}`,
      `${w.toUpperCase()} gateway`,
      `gateway,${w[0].toUpperCase()}${w.slice(1)}.`,
      w,
    ]);
    docs.push('gateway', 'gateway zzz');
    assertPathsAgree('gateway', docs);
    const scores = bm25Scores('gateway', docs);
    assert.equal(scores[0], scores[docs.indexOf('gateway')], 'a stop word adds no length');
    assert.ok(scores[docs.indexOf('gateway zzz')] < scores[docs.indexOf('gateway')], 'an ordinary word adds length');
  });

  it('agrees with the Unicode path on every word of up to three letters', () => {
    // All of them, so every short stop word and every near miss ("th", "tha", "ano") is seen.
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const words: string[] = [];
    for (const a of letters) {
      words.push(a);
      for (const b of letters) {
        words.push(a + b);
        for (const c of letters) words.push(a + b + c);
      }
    }
    const rand = lcg(3);
    const docs: string[] = [];
    for (let i = 0; i < words.length; i += 40) {
      docs.push(
        `zq ${words
          .slice(i, i + 40)
          .map((w) => casing(w, rand()))
          .join(i % 80 ? ' ' : ', ')}`,
      );
    }
    assertPathsAgree('zq', docs);
    assertPathsAgree('the cat sat', docs);
    assertPathsAgree('x y z', docs);
  });

  it('agrees with the Unicode path on generated documents', () => {
    const vocab = [
      ...STOP_WORDS,
      // Longer than any stop word, or starting like one (same first bytes, same FNV-1a prefix).
      'themselvesx',
      'yourselvesyourselves',
      'theirselves',
      'aboutness',
      'thereafter',
      'whichever',
      'ourselvesss',
      'th',
      'thy',
      'thee',
      'whe',
      'youre',
      'yourselve',
      'abo',
      'a1',
      'i9',
      'x',
      'q',
      'z9z',
      // Query terms and their inflections.
      'gateway',
      'gateways',
      'gatewaying',
      'Gatewayed',
      'rank',
      'ranks',
      'ranking',
      'rankingly',
      'ranked',
      'ranker',
      'policy',
      'policies',
      'class',
      'classes',
      'running',
      'runs',
      'run',
      'observability',
      'observable',
      'latency',
      'latencies',
      'ga',
      'ra',
      'gat',
      'gatherer',
      'rankness',
      // Digits.
      '42',
      '4242',
      '0',
      '2024',
      'v2',
      'x86',
    ];
    const seps = [' ', '  ', ', ', '. ', '-', '\n', '\t', '!', '_', "'", '"', '(', ')', '/', '\0', '~', '@', '[', '`', '{', '\x7f'];
    const rand = lcg(11);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
    for (let round = 0; round < 40; round++) {
      const docs = Array.from({ length: 1 + Math.floor(rand() * 40) }, () => {
        let d = rand() < 0.2 ? pick(seps) : '';
        for (let k = Math.floor(rand() * 60); k > 0; k--) {
          let w = casing(pick(vocab), rand());
          if (rand() < 0.05) w = w + w + w; // long words sharing a start with a stop word
          if (rand() < 0.03) w = 'x'.repeat(30 + Math.floor(rand() * 10)); // lengths past a 32-bit shift
          d += w + (rand() < 0.1 ? '' : pick(seps));
        }
        return d;
      });
      const query = Array.from({ length: 1 + Math.floor(rand() * 4) }, () => casing(pick(vocab), rand())).join(' ');
      assertPathsAgree(query, docs, `round ${round}: ${query}`);
    }
  });

  it('agrees with the Unicode path on arbitrary printable ASCII', () => {
    const rand = lcg(5);
    const docs = Array.from({ length: 200 }, () => {
      let d = '';
      for (let k = Math.floor(rand() * 300); k > 0; k--) d += String.fromCharCode(rand() < 0.2 ? 32 : 32 + Math.floor(rand() * 95));
      return d;
    });
    for (const query of ['a b c', 'the THE x9', 'ab ba Zz 12', '0 1 2 3 4 5 6 7 8 9']) assertPathsAgree(query, docs);
  });

  it('ends each document at its own length, not at a longer one scored before it', () => {
    // The ASCII bytes live in a shared buffer: "gateway" must not run on into the "x" left
    // over from the longer document before it.
    const docs = ['gatewayx gatewayx', 'gateway', 'zz', 'gatewayxx a', 'I'];
    const scores = bm25Scores('gateway', docs);
    assert.equal(scores[0], 0);
    assert.ok(scores[1] > 0);
    assertPathsAgree('gateway', docs);
    assertPathsAgree('i', docs);
  });

  it('handles one-letter and digit query terms, and terms that cannot be ASCII', () => {
    const docs = ['x marks x', 'X', 'xx x9 9', '9 99 9x', 'anejo añejo', 'anejo', 'größe grosse', 'a x'];
    for (const query of ['x', '9', 'X 9', 'añejo', 'Größe x', 'xx']) {
      assertPathsAgree(query, docs);
    }
    assert.equal(bm25Scores('añejo', docs)[5], 0);
    assert.ok(bm25Scores('x', docs)[1] > 0);
  });

  it('keeps apart words of the same length whose hashes collide', () => {
    // "gam5gjad" and "gay9wnqx" share their FNV-1a hash, length and first two letters: only
    // comparing the words themselves tells them apart.
    const docs = ['gam5gjad GAM5GJAD', 'Gay9wnqx and more', 'nothing here'];
    const scores = bm25Scores('gay9wnqx', docs);
    assert.equal(scores[0], 0);
    assert.ok(scores[1] > 0);
    assertPathsAgree('gay9wnqx', docs);
    assertPathsAgree('gam5gjad', docs);
  });

  it('remembers many distinct candidate words in one call', () => {
    // Hundreds of distinct words sharing a query term's first two letters, with the term
    // itself among them, learnt on both paths in one call.
    const rand = lcg(9);
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    const docs = Array.from({ length: 120 }, (_, d) => {
      const words = Array.from({ length: 30 }, () => {
        if (rand() < 0.1) return casing(pick(['gateway', 'gateways', 'Gatewaying', 'ranked', 'ranking']), rand());
        let w = rand() < 0.5 ? 'ga' : 'ra';
        for (let k = Math.floor(rand() * 8); k > 0; k--) w += letters[Math.floor(rand() * 26)];
        return w;
      });
      // Every third document goes down the Unicode path in both runs.
      return words.join(' ') + (d % 3 === 0 ? ' é' : '');
      function pick(a: string[]): string {
        return a[Math.floor(rand() * a.length)];
      }
    });
    assertPathsAgree('gateway ranking', docs);
    assert.ok(bm25Scores('gateway ranking', docs).some((s) => s > 0));
  });
});
