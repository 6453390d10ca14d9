import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newOutcome, type RequestContext } from '../../src/core/context.js';
import { UsageRecorder, type UsageRecord } from '../../src/store/usage.js';

const ctx = (requestId: string): RequestContext =>
  ({ requestId, caller: { keyId: 'k1', name: 'app' }, surface: 'rerank', outcome: { ...newOutcome(), alias: 'search', provider: 'cohere' } }) as unknown as RequestContext;
const tick = () => new Promise((r) => setImmediate(r));

describe('usage recorder', () => {
  it('writes a batch as soon as it is full, without waiting for the interval', async () => {
    const written: (readonly UsageRecord[])[] = [];
    const recorder = new UsageRecorder({ insertBatch: (b) => void written.push(b) }, (err) => assert.fail(String(err)), 60_000, 3);
    recorder.onResponse(ctx('r1'), 200, 1);
    recorder.onResponse(ctx('r2'), 200, 1);
    await tick();
    assert.equal(written.length, 0, 'two records wait for the interval');
    recorder.onResponse(ctx('r3'), 200, 1);
    assert.equal(written.length, 0, 'never written inside the response that filled the batch');
    await tick();
    await tick();
    assert.deepEqual(written.map((b) => b.map((r) => r.requestId)), [['r1', 'r2', 'r3']]);
    recorder.onResponse(ctx('r4'), 200, 1);
    await recorder.close();
    assert.deepEqual(written.map((b) => b.length), [3, 1], 'close writes the rest');
  });

  it('keeps records after a failed write and retries them on the interval only, once each', async () => {
    let fail = true;
    let attempts = 0;
    const stored = new Map<string, UsageRecord>();
    const errors: unknown[] = [];
    const recorder = new UsageRecorder(
      {
        insertBatch: (batch) => {
          attempts++;
          if (fail) throw new Error('database is locked');
          for (const r of batch) stored.set(r.id, r);
        },
      },
      (err) => errors.push(err),
      60_000,
      2,
    );
    for (let i = 0; i < 2; i++) recorder.onResponse(ctx(`a${i}`), 200, 1);
    await tick();
    await tick();
    assert.equal(attempts, 1);
    // While the store fails, full batches do not trigger more writes.
    for (let i = 0; i < 6; i++) recorder.onResponse(ctx(`b${i}`), 200, 1);
    await tick();
    await tick();
    assert.equal(attempts, 1);
    fail = false;
    await recorder.flush(); // what the interval does
    assert.equal(stored.size, 8);
    assert.equal(errors.length, 1);
    await recorder.close();
  });
});
