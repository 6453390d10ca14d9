import assert from 'node:assert/strict';
import { createServer, Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { sendJson, startFake } from '../helpers/fake-server.js';
import { startGateway } from '../helpers/gateway.js';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.connect(port, '127.0.0.1');
  });
}

/** Skips without the servers, except under CI=true where their absence is a failure. */
async function needServers(t: { skip(reason: string): void }): Promise<boolean> {
  const [pg, redis] = await Promise.all([reachable(5432), reachable(6379)]);
  if (pg && redis) return true;
  const reason = `PostgreSQL ${pg ? 'up' : 'down'}, Redis ${redis ? 'up' : 'down'} on 127.0.0.1`;
  if (process.env.CI === 'true') assert.fail(`CI needs PostgreSQL and Redis: ${reason}`);
  t.skip(reason);
  return false;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const getJson = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, json: (await res.json()) as any };
};

describe('health and readiness on the admin port', () => {
  it('/healthz is up and /readyz checks config and the SQLite database', async () => {
    const gw = await startGateway();
    try {
      assert.deepEqual(await getJson(gw.adminUrl + '/healthz'), { status: 200, json: { status: 'ok' } });
      assert.deepEqual(await getJson(gw.adminUrl + '/readyz'), { status: 200, json: { status: 'ready', checks: { config: 'ok', database: 'ok', usage_journal: 'ok' } } });
    } finally {
      await gw.close();
    }
  });

  it('/readyz pings the real PostgreSQL and Redis when they are configured', async (t) => {
    if (!(await needServers(t))) return;
    const gw = await startGateway({ storage: { database_url: PG_URL, redis_url: REDIS_URL } });
    try {
      const ready = await getJson(gw.adminUrl + '/readyz');
      assert.equal(ready.status, 200, JSON.stringify(ready.json));
      assert.deepEqual(ready.json.checks, { config: 'ok', database: 'ok', usage_journal: 'ok', redis: 'ok' }, 'database is the PostgreSQL store here');
    } finally {
      await gw.close();
    }
  });

  it('/readyz is 503 when Redis is unreachable, without leaking the URL or its password', async () => {
    const port = await closedPort();
    const gw = await startGateway({ storage: { redis_url: `redis://:hunter2secret@127.0.0.1:${port}/0` } });
    try {
      const t0 = Date.now();
      const res = await fetch(gw.adminUrl + '/readyz');
      const text = await res.text();
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(text).checks.redis, 'unreachable');
      assert.ok(!text.includes('hunter2secret') && !text.includes(String(port)));
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      await gw.close();
    }
  });

  it('/readyz turns 503 as soon as shutdown starts draining', async () => {
    const held: ServerResponse[] = [];
    const fake = await startFake((_req, res) => void held.push(res));
    const gw = await startGateway({ providers: [{ name: 'slow', type: 'cohere', api_key: 'k', base_url: fake.url }] });
    try {
      const inFlight = gw.post('/v1/rerank', { model: 'slow/rerank-v3.5', query: 'q', documents: ['a'] });
      while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
      const stopping = gw.gateway.shutdown(5000);
      const ready = await getJson(gw.adminUrl + '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.checks.shutdown, 'draining');
      sendJson(held[0], 200, { id: 'x', results: [{ index: 0, relevance_score: 0.5 }], meta: { billed_units: { search_units: 1 } } });
      assert.equal((await inFlight).status, 200);
      assert.equal(await stopping, true);
    } finally {
      await gw.close();
      await fake.close();
    }
  });
});
