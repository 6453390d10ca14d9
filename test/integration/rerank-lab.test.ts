import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { sqliteRows, startGateway, type RunningGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait-for.js';

const ADMIN_KEY = 'rk-admin-lab';
/** Asserts a /metrics line matches, without printing the whole exposition when it does not. */
const hasMetric = (metrics: string, line: RegExp): void => assert.ok(line.test(metrics), `no /metrics line matches ${line}`);
const docs = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];

/** A Cohere fake scoring documents in input order (first best), or reversed. */
async function cohere(reversed: boolean): Promise<FakeServer> {
  return startFake((req, res) => {
    const n = req.json.documents.length;
    const results = Array.from({ length: n }, (_, i) => ({ index: reversed ? n - 1 - i : i, relevance_score: (n - i) / n }));
    sendJson(res, 200, { id: 'x', results, meta: { billed_units: { search_units: 1 } } });
  });
}

describe('Rerank Lab on live traffic: shadow and splits', () => {
  let primary: FakeServer;
  let other: FakeServer;
  let hang: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  before(async () => {
    primary = await cohere(false);
    other = await cohere(true);
    // Takes the request and never answers.
    hang = await startFake(() => undefined);
    gw = await startGateway(
      {
        server: { auth: 'keys' },
        providers: [
          { name: 'primary', type: 'cohere', api_key: 'k1', base_url: primary.url },
          { name: 'other', type: 'cohere', api_key: 'k2', base_url: other.url },
          { name: 'hang', type: 'cohere', api_key: 'k3', base_url: hang.url, max_retries: 0 },
        ],
        models: [
          { name: 'other-priced', target: 'other/rerank-v3.5', price: { per_1k_search_units: 1 } },
          {
            name: 'main',
            target: 'primary/rerank-v3.5',
            price: { per_1k_search_units: 1 },
            shadow: { model: 'other-priced', sample_rate: 1, max_qps: 1000, daily_cost_cap: 10, k: 3 },
          },
          {
            name: 'stuck',
            target: 'primary/rerank-v3.5',
            shadow: { model: 'hang/rerank-v3.5', sample_rate: 1, max_qps: 1000, daily_cost_cap: 10, timeout_ms: 3000 },
          },
          {
            name: 'ab',
            target: 'primary/rerank-v3.5',
            split: {
              sticky: 'header',
              header: 'x-user',
              arms: [
                { name: 'control', model: 'primary/rerank-v3.5', weight: 50 },
                { name: 'candidate', model: 'other/rerank-v3.5', weight: 50 },
              ],
            },
          },
        ],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
    for (const [name, fields] of [
      ['caller', { rpm: 1000 }],
      ['three-calls', { rpm: 3, budget: { usd: 0.003, period: 'day' } }],
      ['someone-else', {}],
    ] as const) {
      const res = await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(name), ...fields });
      assert.equal(res.status, 201, res.text);
    }
  });
  after(async () => {
    await gw?.close();
    await Promise.all([primary?.close(), other?.close(), hang?.close()]);
  });

  it('answers the caller while the shadow upstream hangs', async () => {
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(await gw.post('/v1/rerank', { model: 'stuck', query: 'q', documents: docs }, bearer('caller')));
    assert.ok(answers.every((a) => a.status === 200));
    // The shadow calls were made (after each answer) and are still unanswered: the caller never waited on them.
    await waitFor(() => hang.requests.length >= 4, { timeoutMs: 5000 });
    assert.ok(answers.every((a) => a.json.results.length === docs.length));
  });

  it('shadow calls count against neither the caller rpm nor its budget; their cost is recorded as shadow usage', async () => {
    const before = other.requests.length;
    const served = [];
    for (let i = 0; i < 3; i++)
      served.push(await gw.post('/v1/rerank', { model: 'main', query: 'q', documents: docs }, bearer('three-calls')));
    assert.deepEqual(
      served.map((a) => a.status),
      [200, 200, 200],
    );
    await waitFor(() => other.requests.length >= before + 3, { timeoutMs: 5000 });
    // The key's own three requests used its rpm and its budget; the shadows took nothing.
    const fourth = await gw.post('/v1/rerank', { model: 'main', query: 'q', documents: docs }, bearer('three-calls'));
    assert.equal(fourth.status, 429);
    await gw.gateway.usage.flush();
    await waitFor(
      async () => (await sqliteRows(gw.dataDir, "SELECT * FROM usage_records WHERE surface = 'shadow' AND alias = 'main'")).length >= 3,
      { timeoutMs: 5000 },
    );
    const shadowRows = await sqliteRows(
      gw.dataDir,
      "SELECT key_id, provider, cost_usd FROM usage_records WHERE surface = 'shadow' AND alias = 'main'",
    );
    assert.ok(shadowRows.every((r) => r.key_id === 'shadow' && r.provider === 'other' && r.cost_usd > 0));
    const spend = await gw.gateway.store.spendSince(new Date(Date.now() - 86_400_000).toISOString());
    const keys = await admin.call('GET', '/admin/v1/apikeys');
    const id = keys.json.data.find((k: { key_hash?: string }) => k.key_hash === sha256Hex('three-calls'))?.id;
    if (id) assert.ok(Math.abs((spend.get(id) ?? 0) - 0.003) < 1e-9, `spend ${spend.get(id)}`);
  });

  it('exports agreement histograms in /metrics and daily aggregates in GET /admin/v1/eval/shadow', async () => {
    await waitFor(
      async () => {
        const r = await admin.call('GET', '/admin/v1/eval/shadow');
        return r.json.data.some((d: { alias: string; pairs: number }) => d.alias === 'main' && d.pairs >= 3);
      },
      { timeoutMs: 5000 },
    );
    const report = await admin.call('GET', '/admin/v1/eval/shadow');
    const main = report.json.data.find((d: { alias: string }) => d.alias === 'main');
    assert.equal(main.shadow, 'other-priced');
    // The shadow ranks in reverse: the top 3 of 5 share one document; the top document differs.
    assert.ok(Math.abs(main.overlap_at_k - 1 / 3) < 1e-9, JSON.stringify(main));
    assert.equal(main.top1_agreement, 0);
    assert.ok(main.kendall_tau_b < 0);
    assert.ok(main.rbo.min <= main.rbo.ext && main.rbo.ext <= main.rbo.max);
    assert.ok(main.cost_usd > 0);
    const rows = await sqliteRows(gw.dataDir, "SELECT * FROM shadow_daily WHERE alias = 'main'");
    assert.ok(rows[0].pairs >= 3);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    hasMetric(metrics, /rankway_shadow_overlap_at_k_bucket\{le="0.4",alias="main",shadow="other-priced"\} [1-9]/);
    hasMetric(metrics, /rankway_shadow_kendall_tau_b_count\{alias="main",shadow="other-priced"\} [1-9]/);
    hasMetric(metrics, /rankway_shadow_requests_total\{alias="stuck",shadow="hang\/rerank-v3.5",outcome="skipped_in_flight"\} [1-9]/);
  });

  it('keeps a user on one arm, and turns feedback into per-arm click metrics', async () => {
    const ask = (user: string) =>
      gw.post('/v1/rerank', { model: 'ab', query: 'q', documents: docs }, { ...bearer('caller'), 'x-user': user });
    const arms = new Set<string>();
    for (let u = 0; u < 20; u++) {
      const first = await ask(`user-${u}`);
      assert.equal(first.status, 200);
      const again = await ask(`user-${u}`);
      assert.equal(again.json.extra_fields.arm, first.json.extra_fields.arm);
      arms.add(first.json.extra_fields.arm);
    }
    assert.deepEqual([...arms].sort(), ['candidate', 'control']);

    const served = await ask('user-x');
    const clicked = served.json.results[1].index;
    const fb = await gw.post('/v1/rerank/feedback', { id: served.json.id, clicked_index: clicked }, bearer('caller'));
    assert.equal(fb.status, 200, JSON.stringify(fb.json));
    assert.equal(fb.json.rank, 2);
    assert.equal(fb.json.reciprocal_rank, 0.5);
    assert.equal(fb.json.arm, served.json.extra_fields.arm);
    assert.equal((await gw.post('/v1/rerank/feedback', { id: served.json.id, clicked_index: clicked }, bearer('caller'))).status, 409);

    const unknown = await gw.post('/v1/rerank/feedback', { id: 'no-such-response', clicked_index: 0 }, bearer('caller'));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json.error.param, 'id');
    assert.match(unknown.json.error.message, /No recent rerank response/);
    // Another key cannot send feedback on this caller's response.
    const other = await ask('user-y');
    assert.equal((await gw.post('/v1/rerank/feedback', { id: other.json.id, clicked_index: 0 }, bearer('someone-else'))).status, 404);
    for (const bad of [
      {},
      { id: other.json.id },
      { id: other.json.id, clicked_index: 0, relevant_indexes: [1] },
      { id: other.json.id, clicked_index: -1 },
      { id: 5, clicked_index: 0 },
    ]) {
      const res = await gw.post('/v1/rerank/feedback', bad, bearer('caller'));
      assert.equal(res.status, 400, JSON.stringify(bad));
      assert.equal(res.json.error.code, 'invalid_request');
    }
    const rel = await gw.post(
      '/v1/rerank/feedback',
      { id: other.json.id, relevant_indexes: [other.json.results[0].index, 4] },
      bearer('caller'),
    );
    assert.equal(rel.json.rank, 1);

    const report = await admin.call('GET', '/admin/v1/eval/splits');
    assert.equal(report.status, 200);
    const ab = report.json.data.find((d: { alias: string }) => d.alias === 'ab');
    const total = ab.arms.reduce((s: number, a: { requests: number }) => s + a.requests, 0);
    assert.equal(total, 42);
    const feedback = ab.arms.reduce((s: number, a: { feedback: number }) => s + a.feedback, 0);
    assert.equal(feedback, 2);
    const armX = ab.arms.find((a: { name: string }) => a.name === served.json.extra_fields.arm);
    assert.ok(armX.mrr > 0 && armX.mrr <= 1);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    hasMetric(metrics, /rankway_split_feedback_total\{alias="ab",arm="(control|candidate)"\} [12]/);
    hasMetric(metrics, /rankway_split_requests_total\{alias="ab",arm="control",status="ok"\} [1-9]/);
  });

  it('takes shadow, split, calibrate and min_score on models created through the admin API', async () => {
    const base = { provider: 'cohere', model_name: 'rerank-v3.5', provider_key_id: 'file:primary' };
    const bad = await admin.call('POST', '/admin/v1/models', {
      display_name: 'db-bad',
      ...base,
      shadow: { model: 'nowhere/x', sample_rate: 1, daily_cost_cap: 1 },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /shadow\.model/);
    const typo = await admin.call('POST', '/admin/v1/models', {
      display_name: 'db-typo',
      ...base,
      shadow: { model: 'other-priced', sample_rat: 1, daily_cost_cap: 1 },
    });
    assert.equal(typo.status, 400, typo.text);
    const created = await admin.call('POST', '/admin/v1/models', {
      display_name: 'db-shadowed',
      ...base,
      shadow: { model: 'other-priced', sample_rate: 1, max_qps: 100, daily_cost_cap: 1 },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.shadow.sample_rate, 1);
    await waitFor(
      async () => (await gw.post('/v1/rerank', { model: 'db-shadowed', query: 'q', documents: docs }, bearer('caller'))).status === 200,
      { timeoutMs: 5000 },
    );
    await waitFor(
      async () => {
        const r = await admin.call('GET', '/admin/v1/eval/shadow');
        return r.json.data.some((d: { alias: string; pairs: number }) => d.alias === 'db-shadowed' && d.pairs >= 1);
      },
      { timeoutMs: 5000 },
    );
  });
});
