import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuplicateNameError, type ControlStore, type StoredResource } from '../../src/store/repository.js';
import { PostgresControlStore } from '../../src/store/postgres/repository.js';
import { openPostgres } from '../../src/store/postgres/database.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import type { UsageRecord } from '../../src/store/usage.js';
import { pgSchema, type PgSchema } from '../helpers/services.js';

interface Backend {
  readonly name: string;
  open(): Promise<{ store: ControlStore; reopen(): Promise<ControlStore>; cleanup(): Promise<void> } | string>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'rankway-store-'));
      return {
        store: new SqliteControlStore(openSqlite(dir)),
        reopen: async () => new SqliteControlStore(openSqlite(dir)),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = await pgSchema();
      if (typeof schema === 'string') return schema;
      return {
        store: new PostgresControlStore(await openPostgres(schema.url)),
        reopen: async () => new PostgresControlStore(await openPostgres(schema.url)),
        cleanup: () => (schema as PgSchema).drop(),
      };
    },
  },
];

const resource = (kind: StoredResource['kind'], id: string, name: string, data: Record<string, unknown> = {}): StoredResource => ({
  id,
  kind,
  name,
  data,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
});

const usage = (id: string, over: Partial<UsageRecord> = {}): UsageRecord => ({
  id,
  requestId: `req-${id}`,
  ts: Date.parse('2026-05-01T10:00:00.000Z'),
  keyId: 'key-a',
  surface: 'rerank',
  alias: 'search',
  provider: 'cohere',
  upstreamModel: 'rerank-v3.5',
  status: 200,
  latencyMs: 12.5,
  documents: 3,
  chunks: 1,
  cacheHits: 0,
  attempts: 1,
  inputTokens: 0,
  outputTokens: 0,
  searchUnits: 1,
  costUsd: 0.002,
  ...over,
});

for (const backend of backends) {
  describe(`control store on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    let store: ControlStore;
    let skip: string | undefined;

    before(async () => {
      opened = await backend.open();
      if (typeof opened === 'string') skip = opened;
      else store = opened.store;
    });
    after(async () => {
      if (typeof opened === 'string') return;
      await store.close();
      await opened.cleanup();
    });

    it('creates, reads, updates and deletes resources, bumping the version each time', async (t) => {
      if (skip) return t.skip(skip);
      const v0 = await store.version();
      await store.createResource(resource('model', 'm1', 'search', { model_name: 'rerank-v3.5' }));
      const v1 = await store.version();
      assert.ok(v1 > v0);
      assert.deepEqual((await store.getResource('model', 'm1'))?.data, { model_name: 'rerank-v3.5' });
      assert.equal(await store.getResource('api_key', 'm1'), undefined, 'kinds are separate');
      assert.equal(await store.updateResource('model', 'm1', 'search2', { model_name: 'x' }, new Date().toISOString()), true);
      assert.ok((await store.version()) > v1);
      assert.equal((await store.getResource('model', 'm1'))?.name, 'search2');
      assert.equal(await store.updateResource('model', 'nope', 'n', {}, new Date().toISOString()), false);
      assert.deepEqual(
        (await store.listResources('model')).map((r) => r.id),
        ['m1'],
      );
      assert.equal(await store.deleteResource('model', 'm1'), true);
      assert.equal(await store.deleteResource('model', 'm1'), false);
      assert.deepEqual(await store.listResources('model'), []);
    });

    it('lists the changes after a version by kind and id, oldest first', async (t) => {
      if (skip) return t.skip(skip);
      const v0 = await store.version();
      await store.createResource(resource('api_key', 'feed-1', 'h1'));
      await store.updateResource('api_key', 'feed-1', 'h1', { disabled: true }, new Date().toISOString());
      await store.createResource(resource('model', 'feed-2', 'feed-model'));
      await store.deleteResource('api_key', 'feed-1');
      const changes = await store.changesSince(v0, 100);
      assert.deepEqual(
        changes.map((c) => [c.kind, c.id]),
        [
          ['api_key', 'feed-1'],
          ['api_key', 'feed-1'],
          ['model', 'feed-2'],
          ['api_key', 'feed-1'],
        ],
      );
      assert.deepEqual(
        changes.map((c) => c.version),
        [...changes.map((c) => c.version)].sort((a, b) => a - b),
      );
      assert.equal(changes.at(-1)!.version, await store.version());
      assert.deepEqual(await store.changesSince(changes[1].version, 1), [changes[2]], 'limit and lower bound hold');
      // Each entry carries its resource as it is now (one read per batch): deleted ones carry none.
      assert.equal(changes[0].row, undefined, 'feed-1 was deleted since');
      assert.deepEqual(changes[2].row, await store.getResource('model', 'feed-2'));
      assert.equal(changes[2].row?.name, 'feed-model');
    });

    it('concurrent writers never make a poller skip a change', async (t) => {
      if (skip) return t.skip(skip);
      let seen = await store.version();
      const got = new Set<string>();
      let writing = true;
      const drain = async () => {
        for (const c of await store.changesSince(seen, 1000)) {
          got.add(c.id);
          seen = c.version;
        }
      };
      const poll = (async () => {
        while (writing) {
          await drain();
          await new Promise((r) => setImmediate(r));
        }
        await drain();
      })();
      await Promise.all(Array.from({ length: 40 }, (_, i) => store.createResource(resource('api_key', `race-${i}`, `race-${i}`))));
      writing = false;
      await poll;
      assert.equal(got.size, 40);
    });

    it('refuses a second resource with the same name, on create and on rename', async (t) => {
      if (skip) return t.skip(skip);
      await store.createResource(resource('provider_key', 'p1', 'cohere-prod'));
      await store.createResource(resource('provider_key', 'p2', 'cohere-dev'));
      await assert.rejects(store.createResource(resource('provider_key', 'p3', 'cohere-prod')), DuplicateNameError);
      await assert.rejects(store.updateResource('provider_key', 'p2', 'cohere-prod', {}, new Date().toISOString()), DuplicateNameError);
      // The same name under another kind is fine.
      await store.createResource(resource('model', 'm2', 'cohere-prod'));
      assert.equal((await store.listResources('provider_key')).length, 2);
    });

    it('keeps the first value of a setting when two writers race', async (t) => {
      if (skip) return t.skip(skip);
      const [a, b] = await Promise.all([
        store.setSettingIfAbsent('admin_key_sha256', 'aaa'),
        store.setSettingIfAbsent('admin_key_sha256', 'bbb'),
      ]);
      assert.equal(a, b);
      assert.equal(await store.getSetting('admin_key_sha256'), a);
      assert.equal(await store.getSetting('missing'), undefined);
    });

    it('stores a usage batch written twice once, and sums it by key, model, provider and day', async (t) => {
      if (skip) return t.skip(skip);
      const batch = [
        usage('u1'),
        usage('u2', { keyId: 'key-b', costUsd: 0.004, searchUnits: 2 }),
        usage('u3', { alias: 'other', provider: 'voyage', ts: Date.parse('2026-05-02T01:00:00.000Z'), status: 500, costUsd: 0 }),
      ];
      await store.insertBatch(batch);
      await store.insertBatch(batch);
      const byModel = await store.usageSummary({ groupBy: 'model' });
      assert.deepEqual(
        byModel.map((g) => [g.group, g.requests, g.errors, Number(g.costUsd.toFixed(6))]),
        [
          ['other', 1, 1, 0],
          ['search', 2, 0, 0.006],
        ],
      );
      const byDay = await store.usageSummary({ groupBy: 'day', from: '2026-05-02T00:00:00.000Z' });
      assert.deepEqual(
        byDay.map((g) => [g.group, g.requests]),
        [['2026-05-02', 1]],
      );
      const byKey = await store.usageSummary({ groupBy: 'key', to: '2026-05-02T00:00:00.000Z' });
      assert.deepEqual(
        byKey.map((g) => [g.group, g.requests, g.searchUnits]),
        [
          ['key-a', 1, 1],
          ['key-b', 1, 2],
        ],
      );
      const byProvider = await store.usageSummary({ groupBy: 'provider' });
      assert.deepEqual(
        byProvider.map((g) => g.group),
        ['cohere', 'voyage'],
      );
      const spend = await store.spendSince('2026-05-01T00:00:00.000Z');
      assert.equal(Number(spend.get('key-b')!.toFixed(6)), 0.004);
      assert.equal(spend.has('key-c'), false);
    });

    it('applies migrations once: reopening (even twice at once) keeps the data', async (t) => {
      if (skip || typeof opened === 'string') return t.skip(skip);
      const [a, b] = await Promise.all([opened.reopen(), opened.reopen()]);
      assert.equal((await a.listResources('provider_key')).length, 2);
      assert.equal((await b.usageSummary({ groupBy: 'key' })).length, 2);
      await a.close();
      await b.close();
    });
  });
}
