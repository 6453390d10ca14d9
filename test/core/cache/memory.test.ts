import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestHashes } from '../../../src/core/cache/keys.js';
import { MemoryPairCache } from '../../../src/core/cache/memory.js';

describe('in-process pair cache', () => {
  it('returns stored scores and misses in key order', async () => {
    const cache = new MemoryPairCache({ ttlMs: 60_000, maxBytes: 1_000_000 });
    cache.setMany(['a', 'b'], [0.5, 0.25]);
    assert.deepEqual(await cache.getMany(['b', 'x', 'a']), [0.25, undefined, 0.5]);
  });

  it('forgets entries after the TTL', () => {
    let now = 1_000;
    const cache = new MemoryPairCache({ ttlMs: 100, maxBytes: 1_000_000, now: () => now });
    cache.setMany(['a'], [0.9]);
    now += 99;
    assert.deepEqual(cache.getManySync(['a']), [0.9]);
    now += 2;
    assert.deepEqual(cache.getManySync(['a']), [undefined]);
    assert.equal(cache.size, 0);
  });

  it('stays under its memory bound by evicting the least recently used entries', () => {
    const key = (i: number) => `provider/model|t|query-hash|${String(i).padStart(43, '0')}`;
    const perEntry = key(0).length * 2 + 96;
    const cache = new MemoryPairCache({ ttlMs: 60_000, maxBytes: perEntry * 10 });
    cache.setMany(
      Array.from({ length: 10 }, (_, i) => key(i)),
      Array.from({ length: 10 }, (_, i) => i / 10),
    );
    cache.getManySync([key(0)]); // 0 is now the most recently used
    cache.setMany([key(10), key(11)], [0.1, 0.2]);
    assert.equal(cache.size, 10);
    assert.deepEqual(cache.getManySync([key(0), key(1), key(2), key(3), key(11)]), [0, undefined, undefined, 0.3, 0.2]);
  });

  it('evicts exactly like a textbook LRU over long random sequences of hits, misses, updates and expiries', () => {
    // The reference: recency as the order of a plain array, searched linearly (slow, obviously right).
    let clock = 0;
    const key = (i: number) => `p/m|t|q|${String(i).padStart(8, '0')}`;
    const perEntry = key(0).length * 2 + 96;
    const capacity = 50;
    const cache = new MemoryPairCache({ ttlMs: 500, maxBytes: perEntry * capacity, now: () => clock });
    let model: { key: string; score: number; expiresAt: number }[] = [];
    // xorshift32: deterministic and well mixed in every bit.
    let seed = 0x9e3779b9;
    const rand = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    for (let step = 0; step < 20_000; step++) {
      clock += rand(3);
      const keys = Array.from({ length: 1 + rand(6) }, () => key(rand(120)));
      if (rand(2) === 0) {
        const expected = keys.map((k) => {
          const at = model.findIndex((e) => e.key === k);
          if (at < 0) return undefined;
          const [entry] = model.splice(at, 1);
          if (entry.expiresAt <= clock) return undefined;
          model.push(entry);
          return entry.score;
        });
        assert.deepEqual(cache.getManySync(keys), expected, `step ${step}`);
      } else {
        const unique = [...new Set(keys)];
        const scores = unique.map(() => rand(1000) / 1000);
        cache.setMany(unique, scores);
        unique.forEach((k, i) => {
          model = model.filter((e) => e.key !== k);
          model.push({ key: k, score: scores[i], expiresAt: clock + 500 });
        });
        while (model.length > capacity) model.shift();
      }
      assert.equal(cache.size, model.length, `size at step ${step}`);
    }
  });

  it('keys differ by target, query, document, max_tokens_per_doc and extra fields', () => {
    const doc = (text: string) => ({ text, source: text });
    const a = new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')] });
    const keys = a.keysFor('cohere/rerank-v3.5');
    assert.equal(new Set(keys).size, 2);
    assert.notDeepEqual(a.keysFor('voyage/rerank-2.5'), keys);
    assert.notDeepEqual(
      new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], maxTokensPerDoc: 512 }).keysFor('cohere/rerank-v3.5'),
      keys,
    );
    assert.notDeepEqual(
      new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], extra: { a: 1 } }).keysFor('cohere/rerank-v3.5'),
      keys,
    );
    assert.deepEqual(new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], extra: {} }).keysFor('cohere/rerank-v3.5'), keys);
    const b = new RequestHashes({ query: 'other', documents: [doc('x')] });
    assert.notEqual(b.keysFor('cohere/rerank-v3.5')[0], keys[0]);
    const c = new RequestHashes({ query: 'q', documents: [doc('y'), doc('x')] });
    assert.deepEqual(c.keysFor('cohere/rerank-v3.5'), [keys[1], keys[0]]);
  });
});
