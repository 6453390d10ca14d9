import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../../helpers/fake-server.js';
import { startFakeCohere } from '../../helpers/fakes/rerank-fakes.js';
import { adminClient, type AdminClient } from '../../helpers/admin.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-console-test';
const UPSTREAM = 'cohere-upstream-secret';

describe('console admin endpoints: series, request log, roles, me, playground', () => {
  let gw: RunningGateway;
  let cohere: FakeServer;
  let admin: AdminClient;
  let key: string;
  let keyId: string;

  before(async () => {
    cohere = await startFakeCohere({ apiKey: UPSTREAM });
    gw = await startGateway(
      {
        server: { auth: 'keys' },
        providers: [{ name: 'cohere', type: 'cohere', api_key: UPSTREAM, base_url: cohere.url }],
        models: [
          { name: 'bm25', target: 'local/bm25' },
          { name: 'co', target: 'cohere/rerank-v3.5', price: { per_1k_search_units: 2 } },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
    const created = await admin.call('POST', '/admin/v1/apikeys', { name: 'console-test', budget: { usd: 1, period: 'month' }, rpm: 100 });
    assert.equal(created.status, 201, created.text);
    key = created.json.key;
    keyId = created.json.id;
    const docs = ['the cat sat', 'dogs bark loudly', 'a cat and a dog', 'nothing here'];
    for (let i = 0; i < 3; i++) {
      const r = await gw.post(
        '/v1/rerank',
        { model: 'co', query: 'cat', documents: docs, top_n: 2, cache: false },
        { authorization: `Bearer ${key}` },
      );
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    for (let i = 0; i < 2; i++) {
      const r = await gw.post('/v1/rerank', { model: 'bm25', query: 'cat', documents: docs }, { authorization: `Bearer ${key}` });
      assert.equal(r.status, 200);
    }
    const bad = await gw.post('/v1/rerank', { model: 'nope', query: 'cat', documents: docs }, { authorization: `Bearer ${key}` });
    assert.equal(bad.status, 404);
    await gw.gateway.usage.flush();
  });
  after(async () => {
    await gw.close();
    await cohere.close();
  });

  it('series: totals over the whole range agree with /admin/v1/usage, buckets sum to the totals', async () => {
    const to = new Date(Date.now() + 60_000).toISOString();
    const from = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const res = await admin.call('GET', `/admin/v1/usage/series?from=${from}&to=${to}&tz=America/New_York&bucket=hour`);
    assert.equal(res.status, 200, res.text);
    const t = res.json.totals;
    assert.equal(t.requests, 6);
    assert.equal(t.errors, 1);
    assert.deepEqual(t.errors_by_status, { '404': 1 });
    assert.ok(t.latency_p50_ms !== null && t.latency_p95_ms >= t.latency_p50_ms);
    const usage = await admin.call('GET', `/admin/v1/usage?group_by=key&from=${from}&to=${to}`);
    assert.equal(t.cost_usd, usage.json.total_cost_usd);
    assert.ok(t.cost_usd > 0);
    const sum = res.json.data.reduce((s: number, b: any) => s + b.requests, 0);
    assert.equal(sum, 6);
    assert.equal(res.json.tz, 'America/New_York');
    // Buckets start on local hours: New York is 4 or 5 hours behind UTC.
    for (const b of res.json.data) assert.equal(new Date(b.start).getUTCMinutes(), 0);
    const days = await admin.call('GET', `/admin/v1/usage/series?from=${from}&to=${to}&tz=Asia/Kolkata&bucket=day`);
    assert.equal(days.status, 200);
    // Local midnight in Kolkata is 18:30 UTC.
    for (const b of days.json.data.slice(1)) assert.equal(b.start.slice(11, 16), '18:30');
    assert.equal(
      days.json.data.reduce((s: number, b: any) => s + b.requests, 0),
      6,
    );
  });

  it('series defaults to the last 24 hours (the README example)', async () => {
    const res = await admin.call('GET', '/admin/v1/usage/series?tz=Europe/Paris&bucket=hour');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.totals.requests, 6);
    assert.ok(res.json.data.length === 24 || res.json.data.length === 25);
  });

  it('series refuses an unknown zone and too many buckets', async () => {
    const bad = await admin.call('GET', '/admin/v1/usage/series?tz=Mars/Olympus');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.param, 'tz');
    const wide = await admin.call('GET', '/admin/v1/usage/series?from=2000-01-01&to=2026-01-01&bucket=hour');
    assert.equal(wide.status, 400);
    assert.equal(wide.json.error.param, 'bucket');
  });

  it('requests: newest first, keyset pages, filters, detail with the rerank trace', async () => {
    const first = await admin.call('GET', '/admin/v1/requests?limit=4');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.json.data.length, 4);
    assert.equal(first.json.has_more, true);
    assert.ok(!('detail' in first.json.data[0]), 'lists never carry the detail');
    const second = await admin.call('GET', `/admin/v1/requests?limit=4&cursor=${first.json.next_cursor}`);
    assert.equal(second.json.data.length, 2);
    assert.equal(second.json.has_more, false);
    const ids = [...first.json.data, ...second.json.data].map((r: any) => r.id);
    assert.equal(new Set(ids).size, 6, 'no row twice across pages');
    const times = [...first.json.data, ...second.json.data].map((r: any) => r.created_at);
    assert.deepEqual([...times].sort().reverse(), times);

    const errors = await admin.call('GET', '/admin/v1/requests?status=4xx');
    assert.deepEqual(
      errors.json.data.map((r: any) => r.status),
      [404],
    );
    const co = await admin.call('GET', '/admin/v1/requests?model=co&provider=cohere');
    assert.equal(co.json.data.length, 3);
    const byKey = await admin.call('GET', `/admin/v1/requests?key_id=${keyId}&min_latency_ms=0`);
    assert.equal(byKey.json.data.length, 6);
    const none = await admin.call('GET', '/admin/v1/requests?max_latency_ms=0&min_latency_ms=1');
    assert.equal(none.json.data.length, 0);
    const badStatus = await admin.call('GET', '/admin/v1/requests?status=teapot');
    assert.equal(badStatus.status, 400);
    assert.equal(badStatus.json.error.param, 'status');
    const badCursor = await admin.call('GET', '/admin/v1/requests?cursor=xyz');
    assert.equal(badCursor.status, 400);

    const detail = await admin.call('GET', `/admin/v1/requests/${co.json.data[0].id}`);
    assert.equal(detail.status, 200, detail.text);
    const d = detail.json.detail;
    assert.equal(d.rerank.query, 'cat');
    assert.equal(d.rerank.top_n, 2);
    assert.equal(d.rerank.results.length, 2);
    assert.ok(d.rerank.results[0].relevance_score >= d.rerank.results[1].relevance_score);
    assert.equal(d.fallbacks, 0);
    assert.ok(d.upstream_ms >= 0 && d.gateway_ms >= 0);
    assert.equal(detail.json.cost_usd, 0.002);
    const missing = await admin.call('GET', '/admin/v1/requests/nope');
    assert.equal(missing.status, 404);
  });

  it('roles: the manifest the hook enforces; a caller key reaches only /me and the manifest', async () => {
    const asAdmin = await admin.call('GET', '/admin/v1/roles');
    assert.equal(asAdmin.json.role, 'admin');
    assert.ok(asAdmin.json.permissions.includes('keys.write'));
    const asCaller = await admin.call('GET', '/admin/v1/roles', undefined, key);
    assert.equal(asCaller.status, 200);
    assert.equal(asCaller.json.role, 'caller');
    assert.deepEqual(asCaller.json.permissions, ['self.read']);
    for (const [method, path] of [
      ['GET', '/admin/v1/apikeys'],
      ['POST', '/admin/v1/apikeys'],
      ['GET', '/admin/v1/usage'],
      ['GET', '/admin/v1/requests'],
      ['GET', '/admin/v1/eval/sets'],
      ['POST', '/admin/v1/playground/rerank'],
      ['GET', '/admin/v1/not-a-route'],
    ]) {
      const res = await admin.call(method, path, method === 'POST' ? {} : undefined, key);
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.json.error.code, 'permission_denied');
    }
    const adminMe = await admin.call('GET', '/admin/v1/me');
    assert.equal(adminMe.status, 403, 'the admin key has no usage of its own');
    const wrong = await admin.call('GET', '/admin/v1/me', undefined, 'rk-not-a-key');
    assert.equal(wrong.status, 401);
  });

  it('me: the caller key sees its own usage, limits and budget left', async () => {
    const me = await admin.call('GET', '/admin/v1/me?tz=Europe/Paris&bucket=day', undefined, key);
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.key.id, keyId);
    assert.equal(me.json.limits.rpm, 100);
    assert.equal(me.json.usage.totals.requests, 6);
    assert.equal(me.json.budget.usd, 1);
    assert.ok(Math.abs(me.json.budget.spent_usd - 0.006) < 1e-9, String(me.json.budget.spent_usd));
    assert.ok(Math.abs(me.json.budget.left_usd - 0.994) < 1e-9);
  });

  it('playground: several models through the proxy with the chosen key', async () => {
    const res = await admin.call('POST', '/admin/v1/playground/rerank', {
      query: 'cat',
      documents: ['the cat sat', 'dogs bark', 'cat and dog'],
      models: ['bm25', 'co', 'nope'],
      api_key: key,
    });
    assert.equal(res.status, 200, res.text);
    const [bm25, co, nope] = res.json.runs;
    assert.equal(bm25.status, 200);
    assert.equal(bm25.results.length, 3);
    assert.equal(co.status, 200);
    assert.equal(co.cost_usd, 0.002);
    assert.equal(nope.status, 404);
    assert.ok(nope.error.message);
    const invalid = await admin.call('POST', '/admin/v1/playground/rerank', { query: 'q', documents: [], models: ['bm25'] });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.json.error.param, 'documents');
    const noKey = await admin.call('POST', '/admin/v1/playground/rerank', { query: 'q', documents: ['a'], models: ['bm25'] });
    assert.equal(noKey.json.runs[0].status, 401, 'without a key the proxy refuses, as it would any caller');
  });

  it('serves the console at /ui/ with the SPA fallback, or says it is not built', async () => {
    const redirect = await fetch(`${gw.adminUrl}/ui`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), 'ui/');
    const page = await fetch(`${gw.adminUrl}/ui/requests/abc`);
    assert.ok(page.status === 200 || page.status === 503);
    if (page.status === 200) {
      const html = await page.text();
      assert.match(html, /<div id="root">/);
      // Relative asset URLs: the console works under any path prefix in front of the admin port.
      const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1] ?? '';
      assert.match(script, /^\.\/assets\/[\w-]+\.js$/);
      const asset = await fetch(`${gw.adminUrl}/ui/${script.slice(2)}`);
      assert.equal(asset.status, 200);
      assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
      assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
      assert.equal((await fetch(`${gw.adminUrl}/ui/assets/gone-123.js`)).status, 404, 'a missing asset is not the app');
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    }
    const escaped = await fetch(`${gw.adminUrl}/ui/..%2F..%2Fpackage.json`);
    assert.doesNotMatch(await escaped.text(), /"name": "rankway"/);
  });
});
