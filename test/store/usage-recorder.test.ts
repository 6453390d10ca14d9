import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { newOutcome, type RequestContext } from '../../src/core/context.js';
import { UsageJournal } from '../../src/store/usage-journal.js';
import { UsageRecorder } from '../../src/store/usage-recorder.js';
import type { UsageRecord, UsageStore } from '../../src/store/usage.js';

const ctx = (requestId: string, keyId = 'k1'): RequestContext =>
  ({
    requestId,
    caller: { keyId, name: 'app' },
    surface: 'rerank',
    outcome: { ...newOutcome(), alias: 'search', provider: 'cohere' },
  }) as unknown as RequestContext;
const tick = () => new Promise((r) => setImmediate(r));

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function journalDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-journal-'));
  dirs.push(dir);
  return join(dir, 'usage-journal');
}
const journal = (dir: string, maxBytes = 1 << 30) => new UsageJournal({ dir, maxBytes, fsyncIntervalMs: 50 });

/** A store keyed by record id, as the databases are: a record written twice is stored once. */
function memoryStore(): UsageStore & { stored: Map<string, UsageRecord>; batches: number; fail: boolean } {
  return {
    stored: new Map(),
    batches: 0,
    fail: false,
    insertBatch(batch) {
      this.batches++;
      if (this.fail) throw new Error('disk full');
      for (const r of batch) if (!this.stored.has(r.id)) this.stored.set(r.id, r);
    },
  };
}

describe('usage recorder and journal', () => {
  it('writes a batch as soon as it is full, never inside the response that filled it', async () => {
    const store = memoryStore();
    const recorder = new UsageRecorder({
      store,
      journal: journal(journalDir()),
      onError: (err) => assert.fail(String(err)),
      intervalMs: 60_000,
      maxBatch: 3,
    });
    recorder.record(ctx('r1'), 200, 1);
    recorder.record(ctx('r2'), 200, 1);
    await tick();
    assert.equal(store.batches, 0, 'two records wait for the interval');
    recorder.record(ctx('r3'), 200, 1);
    assert.equal(store.batches, 0);
    await tick();
    await tick();
    assert.deepEqual(
      [...store.stored.values()].map((r) => r.requestId),
      ['r1', 'r2', 'r3'],
    );
    recorder.record(ctx('r4'), 200, 1);
    const left = await recorder.close();
    assert.equal(store.stored.size, 4, 'close writes the rest');
    assert.equal(left.records, 0);
  });

  it('appends each record to the journal file at once (what survives SIGKILL), and deletes segments once stored', async () => {
    const dir = journalDir();
    const store = memoryStore();
    const j = journal(dir);
    const recorder = new UsageRecorder({ store, journal: j, onError: () => undefined, intervalMs: 60_000 });
    recorder.record(ctx('a'), 200, 1);
    recorder.record(ctx('b'), 429, 1);
    // On disk at once, as a restarted process would find it.
    const lines = readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    // Format 1: [1, id, requestId, ts, keyId, surface, alias, provider, upstreamModel, status, ...].
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as unknown[]).map((v) => [v[0], v[2], v[9]]),
      [
        [1, 'a', 200],
        [1, 'b', 429],
      ],
    );
    await recorder.flush();
    assert.equal(store.stored.size, 2);
    assert.equal(j.backlog().records, 0);
    await recorder.close();
    assert.deepEqual(readdirSync(dir), [], 'nothing left once everything is stored');
  });

  it('keeps records in the journal while the store fails, retries with backoff, and reports what is left at close', async () => {
    const dir = journalDir();
    const store = memoryStore();
    store.fail = true;
    const errors: unknown[] = [];
    const recorder = new UsageRecorder({
      store,
      journal: journal(dir),
      onError: (err) => errors.push(err),
      intervalMs: 60_000,
      maxBatch: 2,
    });
    for (let i = 0; i < 2; i++) recorder.record(ctx(`a${i}`), 200, 1);
    await tick();
    await tick();
    assert.equal(store.batches, 1);
    // While the store fails, full batches do not trigger more writes.
    for (let i = 0; i < 6; i++) recorder.record(ctx(`b${i}`), 200, 1);
    await tick();
    await tick();
    assert.equal(store.batches, 1);
    assert.equal(recorder.backlog().records, 8);
    assert.equal(recorder.backlog().failing, true);
    const left = await recorder.close();
    assert.equal(left.records, 8, 'close says truthfully how many records are still journaled');
    assert.equal(store.stored.size, 0);

    // The next start replays them, exactly once.
    store.fail = false;
    const next = new UsageRecorder({ store, journal: journal(dir), onError: (err) => assert.fail(String(err)), intervalMs: 60_000 });
    assert.equal(next.backlog().records, 8);
    await next.flush();
    assert.equal(store.stored.size, 8);
    assert.equal((await next.close()).records, 0);
  });

  it('replay is idempotent: a segment stored but not yet deleted (a crash between the two) counts once', async () => {
    const dir = journalDir();
    const store = memoryStore();
    const j = journal(dir);
    for (let i = 0; i < 5; i++) j.append({ ...(await import('../../src/store/usage.js')).usageRecordFrom(ctx(`r${i}`), 200, 1) });
    j.seal();
    // Stored, then "killed" before the checkpoint.
    store.insertBatch(j.read(j.oldest()!));
    j.close();
    const recorder = new UsageRecorder({ store, journal: journal(dir), onError: (err) => assert.fail(String(err)), intervalMs: 60_000 });
    await recorder.flush();
    assert.equal(store.stored.size, 5);
    assert.equal(store.batches, 2);
    await recorder.close();
  });

  it('holds no more than its cap: full() refuses, readiness fails near it, and 401s are not journaled past half', async () => {
    const store = memoryStore();
    store.fail = true;
    const j = journal(journalDir(), 4000);
    const recorder = new UsageRecorder({ store, journal: j, onError: () => undefined, intervalMs: 60_000 });
    let n = 0;
    while (!recorder.full()) {
      recorder.record(ctx(`r${n++}`), 200, 1);
      if (n > 1000) assert.fail('the journal never reported full');
    }
    assert.ok(recorder.nearCap());
    assert.ok(j.backlog().bytes >= 4000 && j.backlog().bytes < 4000 + 1000, 'full as soon as the cap is reached');
    const before = j.backlog().records;
    recorder.record(ctx('who?', 'anonymous'), 401, 1);
    assert.equal(j.backlog().records, before, 'an unauthenticated flood cannot fill the journal');
    assert.equal(recorder.backlog().skippedUnauthenticated, 1);
    await recorder.close();
  });

  it('skips a torn last line (power loss mid-write) and keeps the rest', async () => {
    const dir = journalDir();
    const j = journal(dir);
    const { usageRecordFrom } = await import('../../src/store/usage.js');
    j.append(usageRecordFrom(ctx('ok'), 200, 1));
    const { appendFileSync } = await import('node:fs');
    j.close();
    const file = readdirSync(dir).map((f) => join(dir, f))[0];
    appendFileSync(file, '{"id":"torn","requ');
    const store = memoryStore();
    const again = journal(dir);
    const recorder = new UsageRecorder({ store, journal: again, onError: (err) => assert.fail(String(err)), intervalMs: 60_000 });
    await recorder.flush();
    assert.deepEqual(
      [...store.stored.values()].map((r) => r.requestId),
      ['ok'],
    );
    assert.equal(again.corruptLines, 1);
    await recorder.close();
  });

  it('a failing disk: the answer keeps its record in memory, new requests are refused, and the store gets it', async () => {
    const store = memoryStore();
    const j = journal(journalDir());
    const append = j.append.bind(j);
    j.append = () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    const errors: unknown[] = [];
    const recorder = new UsageRecorder({ store, journal: j, onError: (err) => errors.push(err), intervalMs: 60_000 });
    assert.equal(recorder.full(), false);
    recorder.record(ctx('kept'), 200, 1);
    assert.equal(recorder.full(), true, 'refuse new work while the journal cannot write');
    assert.equal(recorder.backlog().unjournaled, 1);
    j.append = append;
    await recorder.flush();
    assert.deepEqual(
      [...store.stored.values()].map((r) => r.requestId),
      ['kept'],
    );
    assert.equal(recorder.backlog().unjournaled, 0);
    assert.equal(errors.length, 1);
    await recorder.close();
  });
});
