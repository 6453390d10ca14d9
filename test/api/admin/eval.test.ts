import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEvalCommand } from '../../../src/cli/eval.js';
import { adminClient, type AdminClient } from '../../helpers/admin.js';
import { startGateway, sqliteRows, type RunningGateway } from '../../helpers/gateway.js';
import { pgSchema, type PgSchema } from '../../helpers/services.js';

const ADMIN_KEY = 'rk-admin-eval-test-key';

/** A small SMART collection made here: 8 topics, 4 documents each, 1-2 relevant per topic. */
function smartFiles(): { documents: string; queries: string; qrels: string } {
  const topics = [
    'volcano eruptions lava',
    'library cataloguing rules',
    'orbital mechanics satellites',
    'sourdough baking bread',
    'glacier retreat climate',
    'chess openings theory',
    'bee colony collapse',
    'tidal energy turbines',
  ];
  let documents = '';
  let qrels = '';
  let id = 0;
  topics.forEach((topic, q) => {
    const words = topic.split(' ');
    for (let j = 0; j < 4; j++) {
      id++;
      const body =
        j === 0 ? `${topic} explained` : j === 1 ? `${words[0]} and other things` : j === 2 ? `notes on ${words[2]}` : `filler text ${id}`;
      documents += `.I ${id}\n.T\nDocument ${id}\n.W\n${body}\n`;
      if (j === 0 || (j === 1 && q % 2 === 0)) qrels += `${q + 1} ${id} 0 0.000000\n`;
    }
  });
  const queries = topics.map((t, q) => `.I ${q + 1}\n.W\n${t}\n`).join('');
  return { documents, queries, qrels };
}

async function waitForRun(admin: AdminClient, id: string): Promise<any> {
  for (;;) {
    const res = await admin.call('GET', `/admin/v1/eval/runs/${id}`);
    assert.equal(res.status, 200);
    if (res.json.status !== 'running') return res.json;
    await new Promise((r) => setImmediate(r));
  }
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`admin eval API (${backend})`, () => {
    let gw: RunningGateway;
    let admin: AdminClient;
    let pg: PgSchema | undefined;
    let skip: string | undefined;
    before(async () => {
      const storage: Record<string, unknown> = {};
      if (backend === 'postgres') {
        const schema = await pgSchema();
        if (typeof schema === 'string') {
          skip = schema;
          return;
        }
        pg = schema;
        storage.database_url = schema.url;
      }
      gw = await startGateway({ storage }, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
      admin = adminClient(gw.adminUrl, ADMIN_KEY);
    });
    after(async () => {
      await gw?.close();
      await pg?.drop();
    });

    it('stores, lists, fetches and deletes sets, and refuses bad ones with a 400', async (t) => {
      if (skip) return t.skip(skip);
      const created = await admin.call('POST', '/admin/v1/eval/sets', { name: 'tiny', format: 'smart', files: smartFiles() });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(
        [created.json.object, created.json.queries, created.json.documents, created.json.format],
        ['eval_set', 8, 32, 'smart'],
      );
      assert.equal((await admin.call('POST', '/admin/v1/eval/sets', { name: 'tiny', format: 'smart', files: smartFiles() })).status, 409);
      const list = await admin.call('GET', '/admin/v1/eval/sets');
      assert.deepEqual(
        list.json.data.map((s: any) => s.name),
        ['tiny'],
      );
      assert.equal((await admin.call('GET', '/admin/v1/eval/sets/tiny')).json.id, created.json.id);
      const bad = await admin.call('POST', '/admin/v1/eval/sets', {
        name: 'bad',
        format: 'beir',
        files: { corpus: '{"_id":', queries: 'x', qrels: 'y' },
      });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error.message, /corpus.jsonl:1: not valid JSON/);
      assert.equal((await admin.call('POST', '/admin/v1/eval/sets', { name: 'bad', format: 'csv' })).status, 400);
      const inline = await admin.call('POST', '/admin/v1/eval/sets', {
        name: 'inline',
        format: 'inline',
        queries: [{ query: 'q', candidates: ['a', 'b'], judgments: { 1: 1 } }],
      });
      assert.equal(inline.status, 201, inline.text);
      assert.equal((await admin.call('DELETE', `/admin/v1/eval/sets/${inline.json.id}`)).json.deleted, true);
      assert.equal((await admin.call('GET', `/admin/v1/eval/sets/${inline.json.id}`)).status, 404);
      assert.equal((await admin.call('GET', '/admin/v1/eval/sets', undefined, null)).status, 401);
    });

    it('runs a set through the proxy and stores the same figures the CLI prints', async (t) => {
      if (skip) return t.skip(skip);
      const started = await admin.call('POST', '/admin/v1/eval/runs', {
        set: 'tiny',
        models: ['local/bm25'],
        k: [1, 5, 10, 100],
        sample: 'all',
      });
      assert.equal(started.status, 202, started.text);
      assert.equal(started.json.progress.total, 8);
      const run = await waitForRun(admin, started.json.id);
      assert.equal(run.status, 'completed', run.error);
      assert.deepEqual(run.progress.done, 8);
      const report = run.report;
      assert.equal(report.conventions.ideal, 'all_judgments');
      assert.equal(report.models[0].per_query.length, 8);

      // The CLI on the same files, through its own in-process gateway.
      const dir = mkdtempSync(join(tmpdir(), 'rw-eval-same-'));
      try {
        const files = smartFiles();
        writeFileSync(join(dir, 'TINY.ALL'), files.documents);
        writeFileSync(join(dir, 'TINY.QRY'), files.queries);
        writeFileSync(join(dir, 'TINY.REL'), files.qrels);
        let out = '';
        const code = await runEvalCommand(['--set', dir, '--models', 'local/bm25', '--sample', 'all', '--json'], {
          out: (s) => (out += s),
          err: () => undefined,
        });
        assert.equal(code, 0);
        const cli = JSON.parse(out);
        assert.deepEqual(report.models[0].metrics, cli.models[0].metrics);
        assert.deepEqual(
          report.models[0].per_query.map((q: any) => q.metrics),
          cli.models[0].per_query.map((q: any) => q.metrics),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const list = await admin.call('GET', '/admin/v1/eval/runs');
      assert.equal(list.json.data[0].report, undefined, 'lists leave reports out');
    });

    it('tags the usage of evaluation calls with surface eval', async (t) => {
      if (skip || backend !== 'sqlite') return t.skip(skip ?? 'checked once, on the embedded store');
      await gw.gateway.usage.flush();
      const rows = await sqliteRows(gw.dataDir, "SELECT COUNT(*) AS n FROM usage_records WHERE surface = 'eval'");
      assert.ok(rows[0].n >= 8, `eval usage rows: ${rows[0].n}`);
    });

    it('answers 404 for an unknown set or run, and 400 for a baseline outside the models', async (t) => {
      if (skip) return t.skip(skip);
      assert.equal((await admin.call('POST', '/admin/v1/eval/runs', { set: 'nope', models: ['local/bm25'] })).status, 404);
      assert.equal((await admin.call('GET', '/admin/v1/eval/runs/evr_missing')).status, 404);
      const bad = await admin.call('POST', '/admin/v1/eval/runs', { set: 'tiny', models: ['local/bm25'], baseline: 'other' });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.error.param, 'baseline');
    });
  });
}
