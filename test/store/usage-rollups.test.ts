import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ControlStore, UsageGroup, UsageGroupBy, UsageQuery } from '../../src/store/repository.js';
import { createLogger } from '../../src/observability/log.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { UsageMaintenance } from '../../src/store/usage-maintenance.js';
import type { UsageRecord } from '../../src/store/usage.js';
import { pgSchema, type PgSchema } from '../helpers/services.js';
// mulberry32, seeded: every run draws the same cases, so a failure names the one that reproduces it.
import { seededRandom as rng } from '../../src/eval/stats.js';

const START = Date.UTC(2026, 3, 28, 13, 17);
const SPAN = 9 * 86_400_000;

function records(n: number, random: () => number): UsageRecord[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  return Array.from({ length: n }, (_, i) => ({
    id: `r${String(i).padStart(6, '0')}`,
    requestId: `q${i}`,
    ts: START + Math.floor(random() * SPAN),
    keyId: pick(['k1', 'k2', 'k3', 'unauthenticated']),
    surface: 'rerank',
    alias: pick(['search', 'chat', null]),
    provider: pick(['cohere', 'bedrock', null]),
    upstreamModel: null,
    status: pick([200, 200, 200, 401, 429, 499, 502]),
    latencyMs: Math.round(random() * 1000) / 10,
    documents: Math.floor(random() * 50),
    chunks: 1,
    cacheHits: 0,
    attempts: 1,
    inputTokens: Math.floor(random() * 500),
    outputTokens: Math.floor(random() * 100),
    searchUnits: Math.floor(random() * 3),
    costUsd: Math.floor(random() * 1000) / 100_000,
    unpriced: random() < 0.2,
  }));
}

/** The report computed from raw records: what the rollups must equal. */
function reference(all: readonly UsageRecord[], q: UsageQuery): Map<string | null, UsageGroup> {
  const from = q.from ? Date.parse(q.from) : -Infinity;
  const to = q.to ? Date.parse(q.to) : Infinity;
  const out = new Map<string | null, { -readonly [F in keyof UsageGroup]: UsageGroup[F] }>();
  for (const r of all) {
    if (r.ts < from || r.ts >= to) continue;
    const g: Record<UsageGroupBy, string | null> = {
      key: r.keyId,
      model: r.alias,
      provider: r.provider,
      day: new Date(r.ts).toISOString().slice(0, 10),
    };
    const k = g[q.groupBy];
    const row = out.get(k) ?? {
      group: k,
      requests: 0,
      errors: 0,
      documents: 0,
      searchUnits: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      unpriced: 0,
    };
    row.requests++;
    if (r.unpriced) row.unpriced++;
    if (r.status >= 400) row.errors++;
    row.documents += r.documents;
    row.searchUnits += r.searchUnits;
    row.inputTokens += r.inputTokens;
    row.outputTokens += r.outputTokens;
    row.costUsd += r.costUsd;
    out.set(k, row);
  }
  return out;
}

function assertSame(got: UsageGroup[], want: Map<string | null, UsageGroup>, what: string): void {
  assert.deepEqual(got.map((g) => g.group).sort(), [...want.keys()].sort(), `${what}: groups`);
  for (const g of got) {
    const w = want.get(g.group)!;
    const exact = ['requests', 'errors', 'documents', 'searchUnits', 'inputTokens', 'outputTokens', 'unpriced'] as const;
    for (const f of exact) assert.equal(g[f], w[f], `${what}: ${f} of ${g.group}`);
    assert.ok(Math.abs(g.costUsd - w.costUsd) < 1e-9, `${what}: cost of ${g.group} ${g.costUsd} vs ${w.costUsd}`);
  }
}

interface Opened {
  store: ControlStore;
  cleanup(): Promise<void>;
  schema?: PgSchema;
}

const backends: { name: string; open(): Promise<Opened | string> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'rankway-rollups-'));
      const store = new SqliteControlStore(openSqlite(dir));
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await pgSchema();
      if (typeof schema === 'string') return schema;
      const store = new PostgresControlStore(await openPostgres(schema.url));
      return {
        store,
        schema,
        cleanup: async () => {
          await store.close();
          await schema.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`usage rollups on ${backend.name}`, () => {
    let opened: Opened | string;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      if (typeof opened !== 'string') await opened.cleanup();
    });

    it('equal the raw records for random ranges and every grouping, with replayed batches counted once', async (t) => {
      if (typeof opened === 'string') return t.skip(opened);
      const { store } = opened;
      const seed = 20261204;
      const random = rng(seed);
      const all = records(6000, random);
      for (let at = 0; at < all.length; at += 700) {
        const batch = all.slice(at, at + 700);
        await store.insertBatch(batch);
        // A replay overlapping what is stored (a crash between insert and checkpoint).
        if (random() < 0.5) await store.insertBatch(all.slice(Math.max(0, at - 300), at + 350));
      }
      const instant = (): string => new Date(START - 86_400_000 + Math.floor(random() * (SPAN + 2 * 86_400_000))).toISOString();
      const groupings: UsageGroupBy[] = ['key', 'model', 'provider', 'day'];
      for (let i = 0; i < 40; i++) {
        const [a, b] = [instant(), instant()].sort();
        const q: UsageQuery = { groupBy: groupings[i % 4], from: i % 7 === 0 ? undefined : a, to: i % 5 === 0 ? undefined : b };
        assertSame(await store.usageSummary(q), reference(all, q), `seed ${seed} case ${i} ${JSON.stringify(q)}`);
      }
      // Whole-day and whole-hour edges, where a piece boundary is exactly the range's end.
      for (const q of [
        { groupBy: 'day', from: '2026-04-29T00:00:00.000Z', to: '2026-05-03T00:00:00.000Z' },
        { groupBy: 'key', from: '2026-04-29T05:00:00.000Z', to: '2026-04-29T06:00:00.000Z' },
        { groupBy: 'key', from: '2026-04-29T05:59:59.999Z', to: '2026-04-29T06:00:00.001Z' },
      ] satisfies UsageQuery[]) {
        assertSame(await store.usageSummary(q), reference(all, q), JSON.stringify(q));
      }
      // Budgets read every key's spend at once.
      const since = '2026-05-01T00:00:00.000Z';
      const spend = await store.spendSince(since);
      const want = reference(all, { groupBy: 'key', from: since });
      assert.deepEqual([...spend.keys()].sort(), [...want.keys()].sort());
      for (const [k, usd] of spend) assert.ok(Math.abs(usd - want.get(k)!.costUsd) < 1e-9);
    });

    it('spendSince has no per-key SQL variables: 33,000 keys with spend (over the 32,766 variables SQLite allows) answer at once', async (t) => {
      if (typeof opened === 'string') return t.skip(opened);
      const { store } = opened;
      const base = records(1, () => 0.5)[0];
      const many = Array.from({ length: 33_000 }, (_, i) => ({
        ...base,
        id: `many${i}`,
        keyId: `budget-key-${i}`,
        ts: Date.UTC(2026, 6, 2, 3),
        costUsd: 0.01,
      }));
      for (let at = 0; at < many.length; at += 5000) await store.insertBatch(many.slice(at, at + 5000));
      const spend = await store.spendSince('2026-07-01T00:00:00.000Z');
      assert.equal(spend.size, 33_000);
      assert.equal(spend.get('budget-key-32999'), 0.01);
    });

    it('retention deletes old raw records and hourly totals in batches, keeps daily totals (and drops whole PostgreSQL months)', async (t) => {
      const own = await backend.open();
      if (typeof own === 'string') return t.skip(own);
      t.after(() => own.cleanup());
      const { store } = own;
      const base = records(1, () => 0.5)[0];
      const at = (iso: string, id: string): UsageRecord => ({ ...base, id, keyId: 'retained', ts: Date.parse(iso) });
      const rows = [
        ...Array.from({ length: 30 }, (_, i) => at('2026-08-10T10:00:00.000Z', `old-aug-${i}`)),
        ...Array.from({ length: 20 }, (_, i) => at('2026-09-10T10:00:00.000Z', `old-sep-${i}`)),
        ...Array.from({ length: 10 }, (_, i) => at('2026-09-20T10:00:00.000Z', `new-sep-${i}`)),
      ];
      await store.insertBatch(rows);
      const maintenance = new UsageMaintenance(store, { retentionDays: 30, logger: createLogger({ level: 'silent' }), batch: 7 });
      const now = Date.parse('2026-10-15T00:00:00.000Z'); // cutoff 2026-09-15
      await maintenance.prune(now);
      await maintenance.stop();
      const raw = await store.usageSummary({ groupBy: 'key', from: '2026-09-20T09:30:00.000Z', to: '2026-09-20T10:30:00.000Z' });
      assert.deepEqual(
        raw.map((g) => [g.group, g.requests]),
        [['retained', 10]],
        'recent raw records stay',
      );
      const oldHour = await store.usageSummary({ groupBy: 'key', from: '2026-09-10T09:30:00.000Z', to: '2026-09-10T12:00:00.000Z' });
      assert.deepEqual(oldHour, [], 'old raw records and hourly totals are gone');
      const byDay = await store.usageSummary({ groupBy: 'day', from: '2026-08-01', to: '2026-10-01' });
      assert.deepEqual(
        byDay.map((g) => [g.group, g.requests]),
        [
          ['2026-08-10', 30],
          ['2026-09-10', 20],
          ['2026-09-20', 10],
        ],
        'daily totals stay',
      );
      if (own.schema) {
        const s = own.schema;
        const parts = await s.query(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '${s.schema}.usage_records'::regclass`,
        );
        const names = parts.rows.map((r) => r.name as string);
        assert.ok(!names.includes('usage_records_p202608'), `August is dropped whole: ${names.join(', ')}`);
        assert.ok(names.includes('usage_records_p202609'));
      }
    });
  });
}
