import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from '../../src/eval/stats.js';
import { adminClient, type AdminClient } from '../helpers/admin.js';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-calibration';

/**
 * Documents carry a hidden quality q in (0, 1) ("q=0.731 ..."); a document is relevant with
 * probability q. Both fakes rank by q, on different scales: `unit` answers q, `wide` 20q - 10.
 */
function corpus() {
  const random = seededRandom(11);
  return Array.from({ length: 30 }, (_, qi) => {
    const candidates: Array<{ id: string; text: string }> = [];
    const judgments: Record<string, number> = {};
    for (let d = 0; d < 12; d++) {
      const q = Math.round(random() * 1000) / 1000;
      const id = `q${qi}d${d}`;
      candidates.push({ id, text: `q=${q.toFixed(3)} document ${d}` });
      judgments[id] = random() < q ? 1 : 0;
    }
    return { query: `topic ${qi}`, candidates, judgments };
  });
}

async function scaled(scale: (q: number) => number): Promise<FakeServer> {
  return startFake((req, res) => {
    const docs: string[] = req.json.documents.map((d: string | { text: string }) => (typeof d === 'string' ? d : d.text));
    const results = docs.map((text, index) => ({ index, relevance_score: scale(Number(/q=([0-9.]+)/.exec(text)![1])) }));
    results.sort((a, b) => b.relevance_score - a.relevance_score);
    sendJson(res, 200, { id: 'x', results, meta: { billed_units: { search_units: 1 } } });
  });
}

describe('score calibration: one min_score across fallbacks with different score scales', () => {
  let unit: FakeServer;
  let wide: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  let unitUp = true;

  before(async () => {
    unit = await scaled((q) => q);
    const unitHandler = unit.handler;
    unit.handler = (req, res) => (unitUp ? unitHandler(req, res) : sendJson(res, 503, { message: 'down' }));
    wide = await scaled((q) => 20 * q - 10);
    gw = await startGateway(
      {
        providers: [
          { name: 'unit', type: 'cohere', api_key: 'k1', base_url: unit.url, max_retries: 0 },
          { name: 'wide', type: 'cohere', api_key: 'k2', base_url: wide.url, max_retries: 0 },
        ],
        models: [{ name: 'thresholded', target: 'unit/rerank-v3.5', fallbacks: ['wide/rerank-v3.5'], min_score: 0.5 }],
      },
      { RANKWAY_ADMIN_KEY: ADMIN_KEY },
    );
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw?.close();
    await Promise.all([unit?.close(), wide?.close()]);
  });

  it('fits a calibration per target on an evaluation run and applies the same threshold whichever target serves', async () => {
    const set = await admin.call('POST', '/admin/v1/eval/sets', { name: 'quality', format: 'inline', queries: corpus() });
    assert.equal(set.status, 201, set.text);
    const run = await admin.call('POST', '/admin/v1/eval/runs', {
      set: 'quality',
      models: ['unit/rerank-v3.5', 'wide/rerank-v3.5'],
      k: [5],
    });
    assert.equal(run.status, 202, run.text);
    let done: any;
    for (let i = 0; i < 200; i++) {
      done = (await admin.call('GET', `/admin/v1/eval/runs/${run.json.id}`)).json;
      if (done.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(done.status, 'completed', JSON.stringify(done.error));

    // Before any calibration: raw scores, no threshold, said so.
    // Qualities across the whole range: a threshold of 0.5 keeps some and drops others.
    const docs = Array.from({ length: 10 }, (_, i) => `q=${(0.05 + i * 0.1).toFixed(3)} probe ${i}`);
    const raw = await gw.post('/v1/rerank', { model: 'thresholded', query: 'q', documents: docs, cache: false });
    assert.equal(raw.json.extra_fields.calibrated, false);
    assert.equal(raw.json.results.length, docs.length);

    for (const model of ['unit/rerank-v3.5', 'wide/rerank-v3.5']) {
      const fit = await admin.call('POST', '/admin/v1/eval/calibrations', { run: run.json.id, model });
      assert.equal(fit.status, 201, fit.text);
      assert.equal(fit.json.target, model);
      assert.equal(fit.json.pairs, 360);
    }
    const bad = await admin.call('POST', '/admin/v1/eval/calibrations', { run: run.json.id, model: 'nope/x' });
    assert.equal(bad.status, 400);

    const byUnit = await gw.post('/v1/rerank', { model: 'thresholded', query: 'q', documents: docs, cache: false });
    unitUp = false;
    const byWide = await gw.post('/v1/rerank', { model: 'thresholded', query: 'q', documents: docs, cache: false });
    unitUp = true;
    assert.equal(byUnit.json.extra_fields.model_used, 'unit/rerank-v3.5');
    assert.equal(byWide.json.extra_fields.model_used, 'wide/rerank-v3.5');
    assert.equal(byWide.json.extra_fields.calibrated, true);
    // Same documents kept, same calibrated scores, raw scores on their own scales.
    assert.ok(byUnit.json.results.length > 0 && byUnit.json.results.length < docs.length, JSON.stringify(byUnit.json));
    assert.deepEqual(
      byWide.json.results.map((r: { index: number }) => r.index),
      byUnit.json.results.map((r: { index: number }) => r.index),
    );
    byUnit.json.results.forEach((r: { relevance_score: number; raw_relevance_score: number }, i: number) => {
      const w = byWide.json.results[i];
      assert.ok(r.relevance_score >= 0.5);
      assert.ok(Math.abs(r.relevance_score - w.relevance_score) < 1e-9);
      assert.ok(Math.abs(w.raw_relevance_score - (20 * r.raw_relevance_score - 10)) < 1e-9);
    });
  });
});
