import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { SNAPSHOT_FILE } from '../../src/control/snapshot-file.js';
import { startRankway, type RankwayProcess } from '../helpers/process.js';
import { REDIS_URL, redisClient } from '../helpers/services.js';
import { throwawayPg, type ThrowawayPg } from '../helpers/throwaway-pg.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_KEY = 'rk-admin-db-down';

const rerank = (url: string, key: string) =>
  fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'local/bm25', query: 'rotate keys', documents: ['rotate api keys', 'metrics'] }),
  }).then((r) => r.status);

const createKey = (adminUrl: string, plaintext: string) =>
  fetch(`${adminUrl}/admin/v1/apikeys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_hash: sha256Hex(plaintext), budget: { usd: 10, period: 'month' } }),
    signal: AbortSignal.timeout(15_000),
  });

/** Waits for `ok()` (a probe that throws counts as not yet); returns how long that took. */
async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const t0 = Date.now();
  await waitFor(() => ok().catch(() => false), { timeoutMs, intervalMs: 50, message: what });
  return Date.now() - t0;
}

/**
 * Three Rankway processes on a PostgreSQL cluster of the test's own (so it can be stopped and
 * paused) and the shared Redis: a database outage degrades them, it never takes them out.
 */
describe('three instances while PostgreSQL is stopped, paused, or down at start', () => {
  let pg: ThrowawayPg | undefined;
  let skip: string | undefined;
  let cleanupRedis: () => Promise<void> = async () => undefined;
  const instances: RankwayProcess[] = [];
  const dirs: string[] = [];
  let env: (dir: string) => NodeJS.ProcessEnv;

  before(async () => {
    const cluster = await throwawayPg();
    const redis = await redisClient();
    if (typeof cluster === 'string' || typeof redis === 'string') {
      skip = typeof cluster === 'string' ? cluster : (redis as string);
      if (typeof cluster !== 'string') await cluster.destroy();
      return;
    }
    pg = cluster;
    cleanupRedis = redis.cleanup;
    env = (dir) => ({
      DATABASE_URL: cluster.url,
      REDIS_URL,
      RANKWAY_REDIS_PREFIX: redis.prefix,
      RANKWAY_ADMIN_KEY: ADMIN_KEY,
      RANKWAY_SECRET_KEY: 'shared-secret-for-all-three',
      RANKWAY_DATA_DIR: dir,
      // Keys required, so "serves caller-x" means this instance knows caller-x.
      RANKWAY_CONFIG: join(dir, 'rankway.yaml'),
    });
    for (let i = 0; i < 3; i++) {
      dirs.push(mkdtempSync(join(tmpdir(), 'rankway-dbdown-')));
      writeFileSync(join(dirs[i], 'rankway.yaml'), 'server:\n  auth: keys\n');
    }
    instances.push(...(await Promise.all(dirs.map((d) => startRankway(env(d), 120_000)))));
    const res = await createKey(instances[0].adminUrl, 'caller-one');
    assert.equal(res.status, 201, await res.text());
    await until('every instance serves caller-one', async () =>
      (await Promise.all(instances.map((i) => rerank(i.url, 'caller-one')))).every((s) => s === 200),
    );
  });
  after(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await pg?.destroy();
    await cleanupRedis();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** During an outage: ready, serving, admin writes 503 within `maxMs`. */
  async function degraded(maxMs: number): Promise<void> {
    for (const i of instances) {
      const ready = await fetch(`${i.adminUrl}/readyz`);
      assert.equal(ready.status, 200, `${i.adminUrl} stays ready: ${await ready.text()}`);
      assert.equal(await rerank(i.url, 'caller-one'), 200, 'the proxy serves from the snapshot');
    }
    const t0 = Date.now();
    const res = await createKey(instances[1].adminUrl, `never-${Date.now()}`);
    const took = Date.now() - t0;
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, 'database_unavailable');
    assert.ok(res.headers.get('retry-after'), 'Retry-After is set');
    assert.ok(took < maxMs, `admin answered in ${took} ms`);
    await until('/healthz shows the database down', async () => {
      const h = (await (await fetch(`${instances[2].adminUrl}/healthz`)).json()) as any;
      return h.status === 'degraded' && h.dependencies.database.status === 'down';
    });
  }

  /** After an outage: a key created through one instance reaches the others. */
  async function recovered(plaintext: string): Promise<void> {
    await until('the admin API writes again', async () => (await createKey(instances[0].adminUrl, plaintext)).status === 201);
    await until(`every instance serves ${plaintext}`, async () =>
      (await Promise.all(instances.map((i) => rerank(i.url, plaintext)))).every((s) => s === 200),
    );
  }

  it('PostgreSQL stopped: every instance stays ready and serves, admin answers 503 fast, then catches up', async (t) => {
    if (skip) return t.skip(skip);
    await pg!.stop();
    try {
      await degraded(2500);
    } finally {
      await pg!.start();
    }
    await recovered('caller-two');
  });

  it('PostgreSQL paused (SIGSTOP): every instance stays ready and serves, admin answers 503 within the 2 s deadline', async (t) => {
    if (skip) return t.skip(skip);
    pg!.pause();
    try {
      await degraded(3000);
    } finally {
      pg!.resume();
    }
    await recovered('caller-three');
  });

  it('an instance started while PostgreSQL is down serves its last saved snapshot, then catches up', async (t) => {
    if (skip) return t.skip(skip);
    const dir = dirs[2];
    await until(
      'the snapshot file holds caller-three',
      async () =>
        existsSync(join(dir, SNAPSHOT_FILE)) && readFileSync(join(dir, SNAPSHOT_FILE), 'utf8').includes(sha256Hex('caller-three')),
    );
    assert.equal(await instances[2].stop(), 0);
    await pg!.stop();
    let restarted: RankwayProcess;
    try {
      restarted = await startRankway(env(dir), 120_000);
      instances[2] = restarted;
      const ready = (await (await fetch(`${restarted.adminUrl}/readyz`)).json()) as any;
      assert.equal(ready.checks.snapshot, 'ok (saved copy)');
      for (const key of ['caller-one', 'caller-two', 'caller-three']) assert.equal(await rerank(restarted.url, key), 200, key);
      assert.equal(await rerank(restarted.url, 'nobody'), 401);
      assert.equal((await createKey(restarted.adminUrl, 'not-now')).status, 503);
    } finally {
      await pg!.start();
    }
    await recovered('caller-four');
    const ready = (await (await fetch(`${instances[2].adminUrl}/readyz`)).json()) as any;
    assert.equal(ready.checks.snapshot, 'ok');
  });
});
