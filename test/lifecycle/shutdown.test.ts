import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { refusesConnections, waitFor } from '../helpers/wait-for.js';

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;
const request = { model: 'slow/rerank-v3.5', query: 'q', documents: ['a', 'b'] };

interface Started {
  readonly child: ChildProcess;
  readonly proxyUrl: string;
  readonly dataDir: string;
  readonly exited: Promise<{ code: number | null; ms: number; signalAt: () => number }>;
}

/** Spawns the real entry point (`src/main.ts`) and waits for its banner. */
async function startProcess(upstreamUrl: string, shutdownTimeoutMs: number): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rankway-shutdown-'));
  const configFile = join(dataDir, 'rankway.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      server: { shutdown_timeout_ms: shutdownTimeoutMs },
      providers: [{ name: 'slow', type: 'cohere', api_key: 'k', base_url: upstreamUrl, timeout_ms: 20_000, max_retries: 0 }],
    }),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', configFile], {
    env: { ...process.env, PORT: '0', ADMIN_PORT: '0', RANKWAY_DATA_DIR: dataDir, LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let signalled = 0;
  const exited = new Promise<{ code: number | null; ms: number; signalAt: () => number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, ms: Date.now() - signalled, signalAt: () => signalled })),
  );
  const origKill = child.kill.bind(child);
  child.kill = (signal?: NodeJS.Signals | number) => {
    signalled ||= Date.now();
    return origKill(signal);
  };
  const proxyUrl = await new Promise<string>((resolve, reject) => {
    // A child that never got ready is killed here, so it cannot keep the test run alive.
    const timer = setTimeout(() => {
      origKill('SIGKILL');
      reject(new Error(`no banner: ${output}`));
    }, 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /proxy API\s+(http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', () => reject(new Error(`exited before ready: ${output}`)));
  });
  return { child, proxyUrl, dataDir, exited };
}

const post = (url: string) =>
  fetch(url + '/v1/rerank', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) });

describe('graceful shutdown of the real process', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function setup(shutdownTimeoutMs: number) {
    const held: ServerResponse[] = [];
    const fake: FakeServer = await startFake((_req, res) => void held.push(res));
    cleanup.push(() => fake.close());
    const started = await startProcess(fake.url, shutdownTimeoutMs);
    cleanup.push(() => {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
      rmSync(started.dataDir, { recursive: true, force: true });
    });
    return { held, fake, ...started };
  }

  it('SIGTERM lets the in-flight request finish, refuses new work, flushes usage and exits 0', async () => {
    const { held, child, proxyUrl, dataDir, exited } = await setup(10_000);
    const inFlight = post(proxyUrl);
    await waitFor(() => held.length === 1, { message: 'the request reached the upstream' });
    child.kill('SIGTERM');
    await waitFor(() => refusesConnections(proxyUrl), { message: 'the listener closed on SIGTERM' });
    // New connections are no longer accepted while the old request drains.
    await assert.rejects(post(proxyUrl));
    sendJson(held[0], 200, {
      id: 'x',
      results: [
        { index: 1, relevance_score: 0.8 },
        { index: 0, relevance_score: 0.2 },
      ],
      meta: { billed_units: { search_units: 1 } },
    });
    const res = await inFlight;
    assert.equal(res.status, 200);
    assert.equal((await res.json()).results[0].index, 1);
    const { code } = await exited;
    assert.equal(code, 0);
    const db = new Database(join(dataDir, 'rankway.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT provider, status FROM usage_records').all() as Array<{ provider: string; status: number }>;
      assert.deepEqual(rows, [{ provider: 'slow', status: 200 }], 'the drained request was recorded before exit');
    } finally {
      db.close();
    }
  });

  it('cuts requests still running at shutdown_timeout_ms and still exits 0', async () => {
    const { held, child, proxyUrl, exited } = await setup(300);
    const inFlight = post(proxyUrl).then(
      (r) => r.status,
      () => 'cut',
    );
    await waitFor(() => held.length === 1, { message: 'the request reached the upstream' });
    child.kill('SIGTERM');
    const { code, ms } = await exited;
    assert.equal(code, 0);
    assert.ok(ms < 3000, `exit took ${ms} ms`);
    assert.equal(await inFlight, 'cut');
  });

  it('a second signal exits at once', async () => {
    const { held, child, proxyUrl, exited } = await setup(30_000);
    void post(proxyUrl).catch(() => undefined);
    await waitFor(() => held.length === 1, { message: 'the request reached the upstream' });
    child.kill('SIGTERM');
    await waitFor(() => refusesConnections(proxyUrl), { message: 'the listener closed on SIGTERM' });
    child.kill('SIGINT');
    const { code, ms } = await exited;
    assert.equal(code, 130);
    assert.ok(ms < 3000, `exit took ${ms} ms`);
  });
});
