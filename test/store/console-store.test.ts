import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSeries } from '../../src/api/admin/usage-series.js';
import type { ControlStore } from '../../src/store/repository.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import type { UsageRecord } from '../../src/store/usage.js';
import { pgSchema } from '../helpers/services.js';

/** The console's reads on both databases, against totals computed here from the records. */
const T0 = Date.parse('2026-03-28T20:00:00Z');
const records: UsageRecord[] = Array.from({ length: 240 }, (_, i) => ({
  id: `rec-${String(i).padStart(4, '0')}`,
  requestId: `req-${i}`,
  // Every 17 minutes across the Paris spring-forward night, so buckets of 23 hours show.
  ts: T0 + i * 17 * 60_000 + (i % 7) * 1000,
  keyId: i % 3 === 0 ? 'key-a' : 'key-b',
  surface: 'rerank',
  alias: i % 2 ? 'search' : null,
  provider: i % 2 ? 'cohere' : null,
  upstreamModel: null,
  status: i % 10 === 0 ? 429 : i % 25 === 0 ? 502 : 200,
  latencyMs: 10 + (i % 50),
  documents: 4,
  chunks: 1,
  cacheHits: i % 4 === 0 ? 2 : 0,
  attempts: 1,
  inputTokens: 0,
  outputTokens: 0,
  searchUnits: 1,
  costUsd: 0.001,
  detail:
    i === 5
      ? {
          retries: 1,
          fallbacks: 1,
          upstreamMs: 12.5,
          cacheMisses: 4,
          rerank: {
            query: 'q',
            topN: 2,
            order: [
              [3, 0.9],
              [1, 0.2],
            ],
            fallbackIndex: 1,
          },
        }
      : null,
}));

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`console store on ${backend}`, () => {
    let store: ControlStore;
    let cleanup: () => Promise<void> | void;
    let skip: string | undefined;

    before(async () => {
      if (backend === 'sqlite') {
        const dir = mkdtempSync(join(tmpdir(), 'rankway-console-'));
        store = new SqliteControlStore(openSqlite(dir));
        cleanup = () => rmSync(dir, { recursive: true, force: true });
      } else {
        const schema = await pgSchema();
        if (typeof schema === 'string') {
          skip = schema;
          return;
        }
        store = new PostgresControlStore(await openPostgres(schema.url));
        cleanup = async () => {
          await store.close();
          await schema.drop();
        };
      }
      await store.insertBatch(records);
      await store.console.ensureIndexes();
      await store.console.ensureIndexes(); // idempotent
    });
    after(async () => {
      if (!skip) await cleanup();
    });

    it('series: local Paris days across the DST change, totals equal to the records', async (t) => {
      if (skip) return t.skip(skip);
      const from = Date.parse('2026-03-28T00:00:00Z');
      const to = Date.parse('2026-03-31T12:34:00Z');
      const s = await buildSeries(store.console, { from, to, tz: 'Europe/Paris', unit: 'day' });
      const inRange = records.filter((r) => r.ts >= from && r.ts < to);
      assert.equal(s.totals.requests, inRange.length);
      assert.equal(s.totals.errors, inRange.filter((r) => r.status >= 400).length);
      assert.ok(Math.abs(s.totals.cost_usd - inRange.length * 0.001) < 1e-9);
      assert.deepEqual(s.totals.errors_by_status, {
        '429': inRange.filter((r) => r.status === 429).length,
        '502': inRange.filter((r) => r.status === 502).length,
      });
      assert.equal(s.data[1].start, '2026-03-28T23:00:00.000Z');
      assert.equal(s.data[2].start, '2026-03-29T22:00:00.000Z', 'the 29th has 23 hours');
      // Each local day holds exactly the records of that local day.
      for (const b of s.data) {
        const a = Date.parse(b.start);
        const e = Date.parse(b.end);
        assert.equal(b.requests, inRange.filter((r) => r.ts >= a && r.ts < e).length, b.start);
      }
      const sorted = inRange.map((r) => r.latencyMs).sort((x, y) => x - y);
      assert.equal(s.totals.latency_p50_ms, sorted[Math.ceil(sorted.length * 0.5) - 1]);
      assert.equal(s.totals.latency_p95_ms, sorted[Math.ceil(sorted.length * 0.95) - 1]);
      const docs = inRange.length * 4;
      assert.equal(s.totals.cache_hit_rate, Math.round((inRange.filter((r) => r.cacheHits).length * 2 * 1e6) / docs) / 1e6);
      const mine = await buildSeries(store.console, { from, to, tz: 'Asia/Kolkata', unit: 'hour', keyId: 'key-a' });
      assert.equal(mine.totals.requests, inRange.filter((r) => r.keyId === 'key-a').length);
    });

    it('request list: keyset pages in (ts, id) order, filters, no detail; detail by id', async (t) => {
      if (skip) return t.skip(skip);
      const seen: string[] = [];
      let before: { ts: number; id: string } | undefined;
      for (;;) {
        const page = await store.console.listRequests({ limit: 50, before, status: { class: 2 } });
        seen.push(...page.map((r) => r.id));
        if (page.length < 50) break;
        const last = page[page.length - 1];
        before = { ts: last.ts, id: last.id };
      }
      const expected = records
        .filter((r) => r.status < 300)
        .sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);
      assert.deepEqual(seen, expected);
      const errors = await store.console.listRequests({ limit: 500, status: 'error', model: 'search' });
      assert.deepEqual(
        errors.map((r) => r.id).sort(),
        records.filter((r) => r.status >= 400 && r.alias === 'search').map((r) => r.id),
      );
      const slow = await store.console.listRequests({ limit: 500, minLatencyMs: 55, keyId: 'key-b', provider: 'cohere' });
      assert.equal(slow.length, records.filter((r) => r.latencyMs >= 55 && r.keyId === 'key-b' && r.provider === 'cohere').length);
      assert.ok(!('detail' in slow[0]));
      const one = await store.console.getRequest('rec-0005');
      assert.equal(one?.detail?.rerank?.query, 'q');
      assert.deepEqual(one?.detail?.rerank?.order, [
        [3, 0.9],
        [1, 0.2],
      ]);
      assert.equal(one?.ts, records[5].ts);
      assert.equal((await store.console.getRequest('rec-0006'))?.detail, null);
      assert.equal(await store.console.getRequest('nope'), undefined);
    });
  });
}
