import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SecretBox } from '../../src/auth/secrets/secret-box.js';
import { buildConfig, type GatewayConfig } from '../../src/config/load.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { buildSnapshot } from '../../src/control/snapshot-state.js';
import type { ControlSnapshot } from '../../src/control/snapshot.js';
import { MemoryLimiter } from '../../src/core/limits/memory.js';
import { Router } from '../../src/core/router.js';
import { createLogger } from '../../src/observability/log.js';
import type { ControlStore, ResourceKind, StoredResource } from '../../src/store/repository.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { HttpClient } from '../../src/transport/http-client.js';

const FILE_KEY_HASH = 'a'.repeat(64);

/** A small seeded generator, so a failing sequence can be replayed from its seed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** What requests and the admin API can observe of a snapshot, in a stable order. */
function observable(s: ControlSnapshot): unknown {
  const sortBy = <T>(items: T[], key: (t: T) => string) => [...items].sort((a, b) => key(a).localeCompare(key(b)));
  return {
    keyring: sortBy([...s.keyring.entries()], ([h]) => h).map(([h, k]) => [
      h,
      k.id,
      k.name,
      k.allowedModels ?? null,
      k.disabled,
      k.expiresAt ?? null,
      k.limits ?? null,
    ]),
    aws: sortBy([...s.awsAccessKeys.values()], (a) => a.accessKeyId).map((a) => [
      a.accessKeyId,
      a.secretAccessKey,
      a.caller,
      a.disabled,
      a.expiresAt ?? null,
    ]),
    models: sortBy([...s.table.models.values()], (m) => m.name).map((m) => [m.name, m.target, m.cache, m.fallbacks, m.price ?? null]),
    providers: [...s.table.providers.keys()].sort(),
    rows: (['providerKeys', 'models', 'apiKeys', 'awsAccessKeyRows'] as const).map((k) =>
      sortBy([...s[k]], (r) => r.id).map((r) => [r.id, r.name, r.updatedAt, r.data]),
    ),
    undecryptable: [...((s as { undecryptable?: ReadonlySet<string> }).undecryptable ?? [])].sort(),
  };
}

function assertSame(actual: ControlSnapshot, expected: ControlSnapshot, where: string): void {
  const a = observable(actual) as Record<string, unknown>;
  const e = observable(expected) as Record<string, unknown>;
  for (const field of Object.keys(e)) assert.deepEqual(a[field], e[field], `${where}: ${field}`);
}

async function fullBuild(store: ControlStore, file: GatewayConfig, box: SecretBox): Promise<ControlSnapshot> {
  const [providerKeys, models, apiKeys, awsAccessKeys] = await Promise.all(
    (['provider_key', 'model', 'api_key', 'aws_access_key'] as const).map((k) => store.listResources(k)),
  );
  return buildSnapshot(
    file,
    { version: await store.version(), providerKeys, models, apiKeys, awsAccessKeys },
    {
      box,
      runtime: (_key, provider) => ({ name: provider.name, config: provider.config }) as never,
      skip: () => undefined,
    },
  );
}

describe('incremental control plane', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`patching by change equals a full rebuild over a random change sequence (seed ${seed})`, async () => {
      const random = rng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
      const dir = mkdtempSync(join(tmpdir(), 'rankway-incr-'));
      dirs.push(dir);
      const store = new SqliteControlStore(openSqlite(dir));
      const box = new SecretBox(randomBytes(32));
      const otherBox = new SecretBox(randomBytes(32));
      const file = buildConfig(
        {
          server: {
            keys: [{ name: 'file-key', key_sha256: FILE_KEY_HASH }],
            aws_access_keys: [{ name: 'file-pair', access_key_id: 'AKIAFILEPAIR00000000', secret_access_key: 'file-secret-0123456789' }],
          },
          providers: [{ name: 'file-cohere', type: 'cohere', api_key: 'k' }],
          models: [{ name: 'file-model', target: 'file-cohere/rerank-v3.5' }],
        },
        { env: {} },
      );
      const plane = new ControlPlane(file, {
        box,
        http: new HttpClient(),
        router: new Router(file, new Map()),
        limiter: new MemoryLimiter(),
        logger: createLogger({ level: 'silent' }),
      });
      plane.attach(store);
      await plane.refresh();

      const live = new Map<ResourceKind, string[]>([
        ['provider_key', []],
        ['model', []],
        ['api_key', []],
        ['aws_access_key', []],
      ]);
      let n = 0;
      const dataFor = (kind: ResourceKind, id: string): { name: string; data: Record<string, unknown> } => {
        n++;
        switch (kind) {
          case 'provider_key': {
            const name = random() < 0.15 ? 'file-cohere' : `pk-${n}`;
            const sealer = random() < 0.15 ? otherBox : box;
            return {
              name,
              data: {
                display_name: name,
                provider: 'cohere',
                adapter: 'cohere',
                api_base: null,
                config: {},
                secret_sealed: sealer.seal(JSON.stringify({ api_key: `k${n}` }), id),
                secret_fields: ['api_key'],
              },
            };
          }
          case 'model': {
            const name = random() < 0.1 ? 'file-model' : `m-${n}`;
            const key = random() < 0.8 && live.get('provider_key')!.length ? pick(live.get('provider_key')!) : 'pk_missing';
            return {
              name,
              data: {
                display_name: name,
                provider: 'cohere',
                model_name: 'rerank-v3.5',
                provider_key_id: key,
                fallbacks: [],
                price: null,
                cache: pick(['pairs', 'off']),
              },
            };
          }
          case 'api_key': {
            const hash = random() < 0.05 ? FILE_KEY_HASH : randomBytes(32).toString('hex');
            const budget = random() < 0.5 ? { usd: Math.round(random() * 100), period: pick(['day', 'month']) } : null;
            return {
              name: hash,
              data: {
                name: random() < 0.5 ? `key ${n}` : null,
                key_hash: hash,
                allowed_models: random() < 0.3 ? ['m-1'] : null,
                rpm: random() < 0.3 ? 10 : null,
                tpm: null,
                rpd: null,
                budget,
                expires_at: null,
                disabled: random() < 0.2,
                metadata: {},
              },
            };
          }
          case 'aws_access_key': {
            const apiKey = random() < 0.85 && live.get('api_key')!.length ? pick(live.get('api_key')!) : 'key_missing';
            const accessKeyId = `RKIA${randomBytes(8).toString('hex').toUpperCase()}`;
            return {
              name: accessKeyId,
              data: {
                access_key_id: accessKeyId,
                api_key_id: apiKey,
                secret_sealed: (random() < 0.1 ? otherBox : box).seal('s3cr3t', id),
                disabled: random() < 0.2,
              },
            };
          }
        }
      };

      for (let step = 0; step < 120; step++) {
        const kind = pick(['provider_key', 'model', 'api_key', 'api_key', 'aws_access_key'] as const);
        const ids = live.get(kind)!;
        const op = ids.length === 0 ? 'create' : pick(['create', 'create', 'update', 'delete']);
        const now = new Date(Date.now() + step).toISOString();
        try {
          if (op === 'create') {
            const id = `${kind}_${step}`;
            const { name, data } = dataFor(kind, id);
            await store.createResource({ id, kind, name, data, createdAt: now, updatedAt: now } satisfies StoredResource);
            ids.push(id);
          } else if (op === 'update') {
            const id = pick(ids);
            const old = (await store.getResource(kind, id))!;
            const { data } = dataFor(kind, id);
            // Keys keep their hash and pairs their id (as the admin API does); the rest changes.
            const keep =
              kind === 'api_key'
                ? { key_hash: old.data.key_hash }
                : kind === 'aws_access_key'
                  ? { access_key_id: old.data.access_key_id }
                  : {};
            const name = kind === 'api_key' || kind === 'aws_access_key' ? old.name : (data.display_name as string);
            await store.updateResource(kind, id, name, { ...data, ...keep }, now);
          } else {
            const id = pick(ids);
            await store.deleteResource(kind, id);
            ids.splice(ids.indexOf(id), 1);
          }
        } catch (err) {
          if ((err as Error).name !== 'DuplicateNameError' && !(err as Error).message.includes('already exists')) throw err;
        }
        // Patch after single changes and after bursts, as polls and notifications would.
        if (random() < 0.4) await plane.refresh();
        if (step % 20 === 19) {
          await plane.refresh();
          assertSame(plane.current, await fullBuild(store, file, box), `seed ${seed}, step ${step}`);
        }
      }
      await plane.refresh();
      assertSame(plane.current, await fullBuild(store, file, box), `seed ${seed}, end`);
      assert.equal(plane.current.version, await store.version());
      await plane.stop();
      await store.close();
    });
  }

  it('a backlog longer than one batch of the feed is patched batch by batch to the same result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-incr-'));
    dirs.push(dir);
    const store = new SqliteControlStore(openSqlite(dir));
    const box = new SecretBox(randomBytes(32));
    const file = buildConfig({}, { env: {} });
    const plane = new ControlPlane(file, {
      box,
      http: new HttpClient(),
      router: new Router(file, new Map()),
      limiter: new MemoryLimiter(),
      logger: createLogger({ level: 'silent' }),
    });
    plane.attach(store);
    await plane.refresh();
    const at = new Date().toISOString();
    for (let i = 0; i < 2500; i++) {
      const hash = randomBytes(32).toString('hex');
      await store.createResource({
        id: `key_${i}`,
        kind: 'api_key',
        name: hash,
        data: {
          name: null,
          key_hash: hash,
          allowed_models: null,
          rpm: null,
          tpm: null,
          rpd: null,
          budget: null,
          expires_at: null,
          disabled: i % 3 === 0,
          metadata: {},
        },
        createdAt: at,
        updatedAt: at,
      });
    }
    for (let i = 0; i < 2500; i += 7) await store.deleteResource('api_key', `key_${i}`);
    await plane.refresh();
    assertSame(plane.current, await fullBuild(store, file, box), 'backlog');
    assert.equal(plane.current.version, await store.version());
    assert.equal(plane.source, 'database');
    await store.close();
  });
});
