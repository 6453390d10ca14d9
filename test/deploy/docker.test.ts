import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/process.js';

/**
 * No Docker engine runs on this machine (`docker` is only the client), so the image's start-up
 * logic is run without it: the Dockerfile's own runtime ENV and ENTRYPOINT, read from the file,
 * against the same layout as the image (/app/deploy/docker/entrypoint.sh beside
 * /app/dist/src/main.js). Two things differ, and only these: dist/src/main.js loads src/main.ts
 * through tsx instead of the compiled file, and the two absolute paths the image owns
 * (RANKWAY_DATA_DIR, RANKWAY_CONFIG_DIR) point into a temporary directory. package.json is copied
 * too, as the Dockerfile does (it makes dist/ ES modules).
 */
const ROOT = new URL('../../', import.meta.url).pathname;
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** `ENV A=1 \ B=2` lines of the runtime stage. */
function dockerEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of runtime.matchAll(/^ENV ((?:.*\\\n)*.*)$/gm)) {
    for (const pair of m[1].replace(/\\\n/g, ' ').trim().split(/\s+/)) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}
const entrypoint = (): string[] => JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(runtime)![1]);

interface Started {
  readonly proxy: string;
  readonly admin: string;
  output(): string;
  stop(): Promise<number | null>;
}

describe('the Docker image starts without docker', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Lays out /app and /etc/rankway as the image has them and runs the ENTRYPOINT with the image's ENV. */
  async function runImage(options: { mountedConfig?: string; extraEnv?: Record<string, string> } = {}): Promise<Started> {
    const root = mkdtempSync(join(tmpdir(), 'rankway-image-'));
    dirs.push(root);
    const app = join(root, 'app');
    const [script] = entrypoint();
    assert.ok(script.startsWith('/app/'), 'the entrypoint lives in /app');
    for (const copied of ['package.json', 'deploy/docker/entrypoint.sh', 'deploy/docker/container-default.yaml']) {
      mkdirSync(dirname(join(app, copied)), { recursive: true });
      copyFileSync(join(ROOT, copied), join(app, copied));
    }
    mkdirSync(join(app, 'dist/src'), { recursive: true });
    writeFileSync(join(app, 'dist/src/main.js'), `await import(${JSON.stringify(join(ROOT, 'src/main.ts'))});\n`);
    const env = dockerEnv();
    const configDir = join(root, 'etc/rankway');
    mkdirSync(configDir, { recursive: true });
    if (options.mountedConfig !== undefined) writeFileSync(join(configDir, 'rankway.yaml'), options.mountedConfig);
    const [port, adminPort] = [await freePort(), await freePort()];
    const child = spawn('/bin/sh', [join(root, script)], {
      cwd: ROOT, // where `--import tsx` resolves; the entrypoint itself never relies on the cwd
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        NODE_OPTIONS: '--import=tsx',
        LOG_LEVEL: 'warn',
        ...env,
        RANKWAY_DATA_DIR: join(root, 'var/lib/rankway'),
        RANKWAY_CONFIG_DIR: configDir,
        PORT: String(port),
        ADMIN_PORT: String(adminPort),
        ...options.extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const admin = `http://127.0.0.1:${adminPort}`;
    const until = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the image's entrypoint exited ${child.exitCode}:\n${out}`);
      const ok = await fetch(`${admin}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok && out.includes('admin API')) break;
      if (Date.now() > until) {
        child.kill('SIGKILL');
        throw new Error(`not ready in 30 s:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      proxy: `http://127.0.0.1:${port}`,
      admin,
      output: () => out,
      stop: async () => {
        child.kill('SIGTERM');
        return exited;
      },
    };
  }

  const rerank = (base: string, model: string, key?: string) =>
    fetch(`${base}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ model, query: 'rotate keys', documents: ['Rotate API keys from the admin API.', 'Prometheus metrics.'] }),
    });

  it('the runtime stage presets no config path and listens on every interface', () => {
    const env = dockerEnv();
    assert.equal(env.RANKWAY_CONFIG, undefined, 'a preset RANKWAY_CONFIG is what made `docker run` without a config exit 2');
    assert.equal(env.HOST, '0.0.0.0');
    assert.equal(env.RANKWAY_CONFIG_DIR, '/etc/rankway');
    assert.match(runtime, /^COPY --chown=node:node deploy\/docker \.\/deploy\/docker$/m);
    assert.deepEqual(entrypoint(), ['/app/deploy/docker/entrypoint.sh']);
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /^HEALTHCHECK .*\n?.*\/livez/m);
  });

  it('without a mounted config: the embedded default with auth: keys and a printed admin key', async () => {
    const rw = await runImage();
    try {
      const banner = rw.output();
      assert.match(banner, /auth\s+keys/);
      const adminKey = /admin key\s+(\S+)/.exec(banner)?.[1];
      assert.ok(adminKey, `the first start prints the admin key:\n${banner}`);
      assert.equal((await rerank(rw.proxy, 'local/bm25')).status, 401, 'no anonymous use of a gateway listening on 0.0.0.0');

      // As the README shows it: Rankway generates the caller key and returns it once.
      const created = await fetch(`${rw.admin}/admin/v1/apikeys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ name: 'me' }),
      });
      assert.equal(created.status, 201);
      const callerKey = ((await created.json()) as { key: string }).key;
      assert.match(callerKey, /^rk-/);
      const ranked = await rerank(rw.proxy, 'local/bm25', callerKey);
      assert.equal(ranked.status, 200);
      assert.equal(((await ranked.json()) as { results: Array<{ index: number }> }).results[0].index, 0);
      assert.equal(await rw.stop(), 0, 'SIGTERM reaches node through the exec and it drains to exit 0');
    } finally {
      await rw.stop();
    }
  });

  it('with a config mounted at /etc/rankway/rankway.yaml: that config is used', async () => {
    const mounted = 'server:\n  auth: keys\nmodels:\n  - name: docs-search\n    target: local/bm25\n';
    const callerKey = 'sk-docker-mounted';
    const rw = await runImage({ mountedConfig: mounted, extraEnv: { RANKWAY_ADMIN_KEY: 'rk-admin-docker-test' } });
    try {
      assert.doesNotMatch(rw.output(), /admin key\s+rk-/, 'RANKWAY_ADMIN_KEY set: nothing generated');
      const created = await fetch(`${rw.admin}/admin/v1/apikeys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer rk-admin-docker-test' },
        body: JSON.stringify({ key_hash: createHash('sha256').update(callerKey).digest('hex') }),
      });
      assert.equal(created.status, 201);
      assert.equal((await rerank(rw.proxy, 'docs-search', callerKey)).status, 200, 'the alias only the mounted config defines');
    } finally {
      await rw.stop();
    }
  });

  it('RANKWAY_CONFIG still wins over a mounted file', () => {
    // The selection logic alone, with node replaced by a stub that prints what it was given.
    const root = mkdtempSync(join(tmpdir(), 'rankway-entry-'));
    dirs.push(root);
    mkdirSync(join(root, 'deploy/docker'), { recursive: true });
    mkdirSync(join(root, 'bin'));
    copyFileSync(join(ROOT, 'deploy/docker/entrypoint.sh'), join(root, 'deploy/docker/entrypoint.sh'));
    writeFileSync(join(root, 'bin/node'), '#!/bin/sh\nshift\necho "config=$RANKWAY_CONFIG args=$*"\n', { mode: 0o755 });
    writeFileSync(join(root, 'rankway.yaml'), '{}\n');
    const run = (env: Record<string, string>, args: string[] = []) =>
      spawnSync('/bin/sh', [join(root, 'deploy/docker/entrypoint.sh'), ...args], {
        env: { PATH: `${join(root, 'bin')}:/usr/bin:/bin`, ...env },
        encoding: 'utf8',
      }).stdout.trim();
    assert.equal(run({ RANKWAY_CONFIG_DIR: root }), `config=${join(root, 'rankway.yaml')} args=`);
    assert.equal(run({ RANKWAY_CONFIG_DIR: join(root, 'none') }), `config=${join(root, 'deploy/docker/container-default.yaml')} args=`);
    assert.equal(run({ RANKWAY_CONFIG_DIR: root, RANKWAY_CONFIG: '/x.yaml' }), 'config=/x.yaml args=');
    assert.equal(run({ RANKWAY_CONFIG_DIR: root }, ['--config', '/y.yaml']), `config=${join(root, 'rankway.yaml')} args=--config /y.yaml`);
  });
});
