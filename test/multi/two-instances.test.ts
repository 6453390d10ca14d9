import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { startRankway, type RankwayProcess } from '../helpers/process.js';
import { REDIS_URL, type PgSchema, sharedServices } from '../helpers/services.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_KEY = 'rk-admin-two-instances';
const rerank = (url: string, key: string) =>
  fetch(`${url}/v1/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'local/bm25', query: 'rotate keys', documents: ['rotate api keys', 'metrics'] }),
  });

/**
 * Two real Rankway processes sharing PostgreSQL and Redis, as a platform team would run them
 * behind a load balancer.
 */
describe('two Rankway instances sharing PostgreSQL and Redis', () => {
  let schema: PgSchema;
  let cleanupRedis: () => Promise<void> = async () => undefined;
  let skip: string | undefined;
  let a: RankwayProcess;
  let b: RankwayProcess;
  let adminA: AdminClient;
  const dirs: string[] = [];

  before(async () => {
    const services = await sharedServices();
    if (typeof services === 'string') {
      skip = services;
      return;
    }
    const { pg, redis } = services;
    schema = pg;
    cleanupRedis = redis.cleanup;
    const env = (dir: string) => ({
      DATABASE_URL: pg.url,
      REDIS_URL,
      RANKWAY_REDIS_PREFIX: redis.prefix,
      // Exact shared counting is under test, not Redis faults: a loaded test machine's scheduling
      // stalls must not switch limits to per instance (the 30 ms default) mid-test.
      RANKWAY_REDIS_LIMITS_TIMEOUT_MS: '1000',
      RANKWAY_ADMIN_KEY: ADMIN_KEY,
      RANKWAY_SECRET_KEY: 'shared-secret-for-both-instances',
      RANKWAY_DATA_DIR: dir,
      RANKWAY_CONFIG: '',
    });
    for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), 'rankway-multi-')));
    // Started together: both race to apply migrations, which the advisory lock serialises.
    [a, b] = await Promise.all([startRankway(env(dirs[0])), startRankway(env(dirs[1]))]);
    adminA = adminClient(a.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await schema?.drop();
    await cleanupRedis();
  });

  async function createKey(plaintext: string, fields: Record<string, unknown> = {}): Promise<string> {
    const res = await adminA.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(plaintext), ...fields });
    assert.equal(res.status, 201, res.text);
    return res.json.id;
  }

  /** Waits until instance B's snapshot holds the key (its admin list reads the snapshot). */
  async function untilKnownByB(id: string, timeoutMs = 3000): Promise<void> {
    const adminB = adminClient(b.adminUrl, ADMIN_KEY);
    await waitFor(
      async () => (await adminB.call('GET', '/admin/v1/apikeys?limit=500')).json.data.some((k: { id: string }) => k.id === id),
      { timeoutMs, message: 'instance B sees the key' },
    );
  }

  /** Waits until the usage table holds `n` records of key `id`. */
  async function untilRecords(id: string, n: number, timeoutMs = 5000): Promise<void> {
    const count = async () =>
      Number((await schema.query(`SELECT COUNT(*) AS n FROM ${schema.schema}.usage_records WHERE key_id = $1`, [id])).rows[0].n);
    await waitFor(async () => (await count()) >= n, { timeoutMs, message: `${n} usage records written` });
  }

  /** Polls instance B until `ok(status)`; returns how long that took. */
  async function untilB(key: string, ok: (status: number) => boolean, timeoutMs = 3000): Promise<number> {
    const t0 = Date.now();
    await waitFor(async () => ok((await rerank(b.url, key)).status), { timeoutMs, message: 'instance B sees the change' });
    return Date.now() - t0;
  }

  it('a key limited to 10 requests per minute gets exactly 10 successes across both under concurrent load', async (t) => {
    if (skip) return t.skip(skip);
    const id = await createKey('ten-rpm', { rpm: 10 });
    await untilKnownByB(id); // A has it once the admin call returned
    const statuses = await Promise.all(
      Array.from({ length: 40 }, (_, i) => rerank(i % 2 ? a.url : b.url, 'ten-rpm').then((r) => r.status)),
    );
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 30);
  });

  it('a key disabled through one instance is refused by the other within a second', async (t) => {
    if (skip) return t.skip(skip);
    const id = await createKey('to-disable');
    await untilB('to-disable', (s) => s === 200);
    const res = await adminA.call('PATCH', `/admin/v1/apikeys/${id}`, { disabled: true });
    assert.equal(res.status, 200);
    const took = await untilB('to-disable', (s) => s === 401);
    assert.ok(took < 1000, `took ${took} ms`);
  });

  it('usage from both lands in one table, nothing lost after SIGTERM', async (t) => {
    if (skip) return t.skip(skip);
    const id = await createKey('counted');
    await untilKnownByB(id);
    assert.equal((await rerank(b.url, 'counted')).status, 200);
    await untilRecords(id, 1); // the probe's own record
    const before = Number(
      (await schema.query(`SELECT COUNT(*) AS n FROM ${schema.schema}.usage_records WHERE key_id = $1`, [id])).rows[0].n,
    );
    const statuses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => rerank(i % 2 ? a.url : b.url, 'counted').then((r) => r.status)),
    );
    assert.ok(statuses.every((s) => s === 200));
    // Straight to SIGTERM: records still buffered must be flushed by the graceful shutdown.
    const [codeA, codeB] = await Promise.all([a.stop(), b.stop()]);
    assert.deepEqual([codeA, codeB], [0, 0], a.output() + b.output());
    const rows = (await schema.query(`SELECT request_id, status, surface FROM ${schema.schema}.usage_records WHERE key_id = $1`, [id]))
      .rows;
    assert.equal(rows.length - before, 50);
    assert.equal(new Set(rows.map((r) => r.request_id)).size, rows.length, 'no record counted twice');
  });
});
