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
    cache.setMany(Array.from({ length: 10 }, (_, i) => key(i)), Array.from({ length: 10 }, (_, i) => i / 10));
    cache.getManySync([key(0)]); // 0 is now the most recently used
    cache.setMany([key(10), key(11)], [0.1, 0.2]);
    assert.equal(cache.size, 10);
    assert.deepEqual(cache.getManySync([key(0), key(1), key(2), key(3), key(11)]), [0, undefined, undefined, 0.3, 0.2]);
  });

  it('keys differ by target, query, document, max_tokens_per_doc and extra fields', () => {
    const doc = (text: string) => ({ text, source: text });
    const a = new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')] });
    const keys = a.keysFor('cohere/rerank-v3.5');
    assert.equal(new Set(keys).size, 2);
    assert.notDeepEqual(a.keysFor('voyage/rerank-2.5'), keys);
    assert.notDeepEqual(new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], maxTokensPerDoc: 512 }).keysFor('cohere/rerank-v3.5'), keys);
    assert.notDeepEqual(new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], extra: { a: 1 } }).keysFor('cohere/rerank-v3.5'), keys);
    assert.deepEqual(new RequestHashes({ query: 'q', documents: [doc('x'), doc('y')], extra: {} }).keysFor('cohere/rerank-v3.5'), keys);
    const b = new RequestHashes({ query: 'other', documents: [doc('x')] });
    assert.notEqual(b.keysFor('cohere/rerank-v3.5')[0], keys[0]);
    const c = new RequestHashes({ query: 'q', documents: [doc('y'), doc('x')] });
    assert.deepEqual(c.keysFor('cohere/rerank-v3.5'), [keys[1], keys[0]]);
  });
});
