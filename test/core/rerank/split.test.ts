import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitSchema } from '../../../src/config/lab.js';
import { ANONYMOUS, newOutcome, type RequestContext } from '../../../src/core/context.js';
import { pickArm, stickyValue } from '../../../src/core/rerank/split.js';
import { seededRandom } from '../../../src/eval/stats.js';
import { createLogger } from '../../../src/observability/log.js';

const split = splitSchema.parse({
  sticky: 'header',
  header: 'X-User',
  arms: [
    { name: 'a', model: 'p/a', weight: 70 },
    { name: 'b', model: 'p/b', weight: 20 },
    { name: 'c', model: 'p/c', weight: 10 },
  ],
});

const ctx = (headers: Record<string, string>, keyId = 'anonymous', requestId = 'r1'): RequestContext => ({
  requestId,
  deadline: 0,
  log: createLogger({ level: 'silent' }),
  caller: keyId === 'anonymous' ? ANONYMOUS : { keyId, name: keyId },
  surface: 'rerank',
  outcome: newOutcome(),
  headers,
});

describe('traffic split assignment', () => {
  it('keeps one user on one arm (sticky per header, else per caller key)', () => {
    assert.equal(split.header, 'x-user');
    for (let u = 0; u < 200; u++) {
      const first = pickArm(split, 'ab', stickyValue(split, ctx({ 'x-user': `user-${u}` }, 'anonymous', 'r1'))).name;
      for (let i = 0; i < 3; i++)
        assert.equal(pickArm(split, 'ab', stickyValue(split, ctx({ 'x-user': `user-${u}` }, 'k', `r${i}`))).name, first);
    }
    // Without the header the caller key decides.
    const byKey = pickArm(split, 'ab', stickyValue(split, ctx({}, 'key-7', 'r1'))).name;
    assert.equal(pickArm(split, 'ab', stickyValue(split, ctx({}, 'key-7', 'r2'))).name, byKey);
  });

  it('follows the weights within tolerance over many users (seeded ids)', () => {
    const random = seededRandom(3);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const id = Math.floor(random() * 1e12).toString(36);
      counts[pickArm(split, 'ab', `h:${id}`).name]++;
    }
    // Binomial sd at p = 0.7 is 65; allow 4 sd.
    assert.ok(Math.abs(counts.a - 0.7 * n) < 260, JSON.stringify(counts));
    assert.ok(Math.abs(counts.b - 0.2 * n) < 230, JSON.stringify(counts));
    assert.ok(Math.abs(counts.c - 0.1 * n) < 170, JSON.stringify(counts));
    // Sequential ids (user-1, user-2 ...) spread too.
    const seq: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < n; i++) seq[pickArm(split, 'ab', `h:user-${i}`).name]++;
    assert.ok(Math.abs(seq.a - 0.7 * n) < 260, JSON.stringify(seq));
  });

  it('rejects a header split without a header and duplicate arm names', () => {
    assert.equal(splitSchema.safeParse({ sticky: 'header', arms: split.arms }).success, false);
    assert.equal(splitSchema.safeParse({ arms: [split.arms[0], split.arms[0]] }).success, false);
  });
});
