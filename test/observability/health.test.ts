import assert from 'node:assert/strict';
import { createServer, Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { sendJson, startFake } from '../helpers/fake-server.js';
import { startGateway } from '../helpers/gateway.js';
import { pgSchema } from '../helpers/services.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
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

const metricValue = async (adminUrl: string, dependency: string): Promise<string | undefined> => {
  const text = await (await fetch(adminUrl + '/metrics')).text();
  return text.match(new RegExp(`^rankway_dependency_up\\{dependency="${dependency}"\\} (\\S+)$`, 'm'))?.[1];
};

describe('health and readiness on the admin port', () => {
  it('/livez is up, /healthz lists the SQLite database, /readyz checks config, snapshot, listeners and secrets', async () => {
    const gw = await startGateway();
    try {
      assert.deepEqual(await getJson(gw.adminUrl + '/livez'), { status: 200, json: { status: 'ok' } });
      const health = await getJson(gw.adminUrl + '/healthz');
      assert.equal(health.status, 200);
      assert.equal(health.json.status, 'ok');
      assert.deepEqual(Object.keys(health.json.dependencies), ['database']);
      assert.equal(health.json.dependencies.database.status, 'up');
      assert.equal(health.json.dependencies.database.detail, 'sqlite');
      assert.deepEqual(await getJson(gw.adminUrl + '/readyz'), {
        status: 200,
        json: { status: 'ready', checks: { config: 'ok', snapshot: 'ok', listeners: 'ok', secrets: 'ok', usage_journal: 'ok' } },
      });
      assert.equal(await metricValue(gw.adminUrl, 'database'), '1');
    } finally {
      await gw.close();
    }
  });

  it('/healthz pings the real PostgreSQL and Redis; strict readiness includes them', async (t) => {
    if (!(await needServers(t))) return;
    // A schema of its own: the shared database's public schema belongs to nobody's test.
    const pgs = await pgSchema();
    if (typeof pgs === 'string') return t.skip(pgs);
    const gw = await startGateway({ server: { strict_readiness: true }, storage: { database_url: pgs.url, redis_url: REDIS_URL } });
    try {
      const health = await getJson(gw.adminUrl + '/healthz');
      assert.equal(health.json.dependencies.database.status, 'up');
      assert.equal(health.json.dependencies.database.detail, 'postgres');
      assert.equal(health.json.dependencies.redis.status, 'up');
      const ready = await getJson(gw.adminUrl + '/readyz');
      assert.equal(ready.status, 200, JSON.stringify(ready.json));
      assert.equal(ready.json.checks.database, 'ok');
      assert.equal(ready.json.checks.redis, 'ok');
    } finally {
      await gw.close();
      await pgs.drop();
    }
  });

  it('Redis unreachable: still ready, /healthz degraded and rankway_dependency_up 0, without leaking the URL or its password', async () => {
    const port = await closedPort();
    const gw = await startGateway({ storage: { redis_url: `redis://:hunter2secret@127.0.0.1:${port}/0` } });
    try {
      const t0 = Date.now();
      const ready = await getJson(gw.adminUrl + '/readyz');
      assert.equal(ready.status, 200, 'a Redis outage is a degradation, not a readiness failure');
      const res = await fetch(gw.adminUrl + '/healthz');
      const text = await res.text();
      assert.equal(res.status, 200);
      const body = JSON.parse(text);
      assert.equal(body.status, 'degraded');
      assert.equal(body.dependencies.redis.status, 'down');
      assert.equal(body.dependencies.redis.detail, 'unreachable');
      assert.ok(!text.includes('hunter2secret') && !text.includes(String(port)));
      assert.ok(Date.now() - t0 < 5000);
      assert.equal(await metricValue(gw.adminUrl, 'redis'), '0');
      assert.equal((await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: ['q'] })).status, 200, 'the proxy serves');
    } finally {
      await gw.close();
    }
  });

  it('with server.strict_readiness an unreachable Redis makes /readyz 503', async () => {
    const port = await closedPort();
    const gw = await startGateway({ server: { strict_readiness: true }, storage: { redis_url: `redis://127.0.0.1:${port}/0` } });
    try {
      const ready = await getJson(gw.adminUrl + '/readyz');
      assert.equal(ready.status, 503);
      assert.equal(ready.json.checks.redis, 'unreachable');
      assert.equal(ready.json.checks.database, 'ok');
    } finally {
      await gw.close();
    }
  });

  it('/readyz is 503 while a stored secret is sealed under another secret key', async () => {
    const a = await startGateway({}, { RANKWAY_ADMIN_KEY: 'adm', RANKWAY_SECRET_KEY: 'the-first-secret-key' });
    const b = await startGateway(
      { storage: { data_dir: a.dataDir } },
      { RANKWAY_ADMIN_KEY: 'adm', RANKWAY_SECRET_KEY: 'another-secret-key' },
    );
    try {
      const res = await fetch(a.adminUrl + '/admin/v1/provider_keys', {
        method: 'POST',
        headers: { authorization: 'Bearer adm', 'content-type': 'application/json' },
        body: JSON.stringify({ display_name: 'co', provider: 'cohere', adapter: 'cohere', secret: JSON.stringify({ api_key: 'co-key' }) }),
      });
      assert.equal(res.status, 201, await res.text());
      assert.equal((await getJson(a.adminUrl + '/readyz')).status, 200);
      await b.gateway.control.refresh();
      const ready = await getJson(b.adminUrl + '/readyz');
      assert.equal(ready.status, 503);
      assert.match(ready.json.checks.secrets, /1 stored secret\(s\) sealed under another key/);
    } finally {
      await b.close();
      await a.close();
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
