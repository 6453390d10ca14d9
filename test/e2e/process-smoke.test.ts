import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `node --import tsx src/main.ts` with a clean environment (no config file). */
function spawnRankway(env: Record<string, string>): {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe('the real process', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('prints a banner whose curl returns ranked results from local/bm25, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rankway-smoke-'));
    dirs.push(dataDir);
    const [port, adminPort] = [await freePort(), await freePort()];
    const rw = spawnRankway({ PORT: String(port), ADMIN_PORT: String(adminPort), RANKWAY_DATA_DIR: dataDir });
    try {
      await waitFor(() => rw.stdout().includes("-d '"), { timeoutMs: 20_000, message: 'the banner' });
      const banner = rw.stdout();
      assert.match(banner, new RegExp(`proxy API\\s+http://127\\.0\\.0\\.1:${port}`));
      assert.match(banner, new RegExp(`admin API\\s+http://127\\.0\\.0\\.1:${adminPort}`));
      assert.match(banner, /auth\s+none/);
      assert.match(banner, /embedded default/);

      const url = banner.match(/curl -s (\S+)/)![1];
      const body = banner.match(/-d '([^']+)'/)![1];
      assert.equal(url, `http://127.0.0.1:${port}/v1/rerank`);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 200);
      const json = (await res.json()) as {
        results: Array<{ index: number; relevance_score: number }>;
        extra_fields: { model_used: string };
      };
      const sent = JSON.parse(body) as { top_n: number; documents: string[] };
      assert.equal(json.extra_fields.model_used, 'local/bm25');
      assert.equal(json.results.length, sent.top_n);
      assert.equal(json.results[0].index, 0, 'the key-rotation document ranks first for the banner query');
      assert.ok(json.results[0].relevance_score > json.results[1].relevance_score);

      const health = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
      assert.equal(health.status, 200);
      assert.ok(readdirSync(dataDir).includes('rankway.db'), 'state lives in RANKWAY_DATA_DIR');
    } finally {
      rw.child.kill('SIGTERM');
    }
    assert.equal(await rw.exited, 0, rw.stderr());
  });

  it('refuses auth: none on a non-loopback HOST at start (exit 2, says why)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rankway-smoke-'));
    dirs.push(dataDir);
    const rw = spawnRankway({
      HOST: '0.0.0.0',
      PORT: String(await freePort()),
      ADMIN_PORT: String(await freePort()),
      RANKWAY_DATA_DIR: dataDir,
    });
    const code = await rw.exited;
    assert.equal(code, 2);
    assert.match(rw.stderr(), /auth: "none" is refused on non-loopback address 0\.0\.0\.0/);
    assert.doesNotMatch(rw.stdout(), /Rankway is running/);
  });

  it('reports an invalid config file with its path and exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rankway-smoke-'));
    dirs.push(dir);
    const file = join(dir, 'rankway.yaml');
    writeFileSync(file, 'providers:\n  - name: co\n    type: cohere\n    api_key: k\n  - name: t\n    type: tei\n    base_url: nope\n');
    const rw = spawnRankway({ RANKWAY_CONFIG: file, RANKWAY_DATA_DIR: dir });
    assert.equal(await rw.exited, 2);
    assert.match(rw.stderr(), /providers\[1\]\.base_url/);
  });
});
