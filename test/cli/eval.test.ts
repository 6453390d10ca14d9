import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runEvalCommand } from '../../src/cli/eval.js';

/** Runs the command with stdout and stderr captured. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runEvalCommand(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('rankway eval', () => {
  let dir: string;
  before(() => {
    // A small SMART collection: query i is about topic i; documents 3i+1..3i+3 mention it.
    dir = mkdtempSync(join(tmpdir(), 'rw-eval-cli-'));
    const topics = ['volcano eruptions', 'library cataloguing', 'orbital mechanics', 'sourdough baking', 'glacier retreat'];
    let docs = '';
    let rel = '';
    let id = 0;
    topics.forEach((topic, q) => {
      for (let j = 0; j < 3; j++) {
        id++;
        docs += `.I ${id}\n.T\nNotes ${id}\n.W\n${j === 0 ? `${topic} in depth: ${topic}` : `unrelated filler text number ${id}`}\n`;
        if (j === 0) rel += `${q + 1} ${id} 0 0.000000\n`;
      }
    });
    writeFileSync(join(dir, 'TINY.ALL'), docs);
    writeFileSync(join(dir, 'TINY.QRY'), topics.map((t, q) => `.I ${q + 1}\n.W\n${t}\n`).join(''));
    writeFileSync(join(dir, 'TINY.REL'), rel);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints nDCG@10, MAP and Recall@100 for local/bm25 without a running server', async () => {
    const { code, out } = await run(['--set', dir, '--models', 'local/bm25', '--sample', 'all']);
    assert.equal(code, 0);
    const lines = out.split('\n');
    const header = lines.find((l) => l.startsWith('model'))!;
    for (const col of ['ndcg@10', 'map', 'recall@100']) assert.ok(header.includes(col), `${col} in ${header}`);
    const row = lines
      .find((l) => l.startsWith('local/bm25'))!
      .trim()
      .split(/\s+/);
    const cols = header.trim().split(/\s+/);
    // Each query's only relevant document is the one that names its topic: BM25 puts it first.
    assert.equal(row[cols.indexOf('ndcg@10')], '1.0000');
    assert.equal(row[cols.indexOf('map')], '1.0000');
    assert.match(out, /5 queries scored/);
  });

  it('gives the full report as JSON, conventions included', async () => {
    const { code, out } = await run(['--set', dir, '--models', 'local/bm25', '--k', '1,3', '--json', '--gain', 'exponential']);
    assert.equal(code, 0);
    const report = JSON.parse(out);
    assert.deepEqual(report.ks, [1, 3]);
    assert.equal(report.conventions.gain, 'exponential');
    assert.equal(report.conventions.ties, 'doc_id_desc');
    assert.equal(report.models[0].per_query.length, 5);
  });

  it('refuses bad usage with exit code 2 and says why', async () => {
    assert.equal((await run(['--models', 'local/bm25'])).code, 2);
    const bad = await run(['--set', dir, '--models', 'local/bm25', '--k', '0,x']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--k must be positive integers/);
    assert.match((await run(['--set', join(dir, 'nope'), '--models', 'local/bm25'])).err, /not a directory/);
    assert.equal((await run(['--help'])).code, 0);
  });

  it('exits 1 when every query failed for a model', async () => {
    const { code, err } = await run(['--set', dir, '--models', 'no-such-model']);
    assert.equal(code, 1);
    assert.match(err, /every query failed for no-such-model/);
  });
});
