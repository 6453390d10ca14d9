import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SecretBox, loadSecretKey } from '../../src/auth/secrets/secret-box.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';
import { freePort } from '../helpers/process.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const USAGE = /^usage: rankway /m;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `rankway ARGS` (src/main.ts through tsx) to its exit, with a clean environment. */
function rankway(args: readonly string[], env: Record<string, string> = {}, options: { uid?: number } = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), LOG_LEVEL: 'warn', PORT: '0', ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** A start-up failure: exit 1 and exactly one line on stderr, no stack trace. */
function assertOneLineFailure(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 1, `exit code; stderr: ${run.stderr}`);
  const lines = run.stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `one line expected:\n${run.stderr}`);
  assert.match(lines[0], /^rankway: failed to start: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(run.stderr, /^\s+at /m);
}

describe('rankway command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-cli-'));
  chmodSync(dir, 0o755);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const good = file('good.yaml', 'models:\n  - name: search\n    target: local/bm25\n');
  const typo = file(
    'typo.yaml',
    'providers:\n  - name: vx\n    type: vertex\n    project: my-project\n    service_account_key_file: /etc/rankway/sa.json\n',
  );
  const VERTEX_LINE = 'providers[0].service_account_key_file: unknown key (did you mean credentials_file?)';

  it('--help and -h print the usage and the commands', async () => {
    for (const flag of ['--help']) {
      const run = await rankway([flag]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, USAGE);
      assert.match(run.stdout, /^ {2}validate {2}/m);
      assert.match(run.stdout, /-c, --config FILE/);
    }
  });

  it('--version prints the package.json version', async () => {
    for (const flag of ['--version']) {
      const run = await rankway([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `rankway ${VERSION}\n`);
    }
  });

  it('validate: exit 0 and a summary for a valid file, with --config, -c or RANKWAY_CONFIG', async () => {
    for (const [args, env] of [
      [['validate', '--config', good], {}],
      [['validate'], { RANKWAY_CONFIG: good }],
    ] as const) {
      const run = await rankway(args, env);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `rankway: ${good} is valid (1 provider, 1 model)\n`);
    }
  });

  it('validate: exit 2 and every problem with its path', async () => {
    const run = await rankway(['validate', '-c', typo]);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `rankway: ${typo} has 1 problem:\n  ${VERTEX_LINE}\n`);
    const many = file(
      'many.yaml',
      'server:\n  prot: 1\nproviders:\n  - name: b\n    type: bedrock\n    region: us-east-1\n    access_key: AKIA\n    secret_key: s\n',
    );
    const all = await rankway(['validate', '-c', many]);
    assert.equal(all.code, 2);
    assert.deepEqual(all.stderr.split('\n').slice(1, -1), [
      '  server.prot: unknown key (did you mean port?)',
      '  providers[0].access_key: unknown key (did you mean access_key_id?)',
      '  providers[0].secret_key: unknown key (did you mean secret_access_key?)',
    ]);
  });

  it('starting with that config is refused the same way (exit 2), as npm start with RANKWAY_CONFIG is', async () => {
    for (const [args, env] of [
      [['-c', typo], {}],
      [[], { RANKWAY_CONFIG: typo }],
    ] as const) {
      const run = await rankway(args, env);
      assert.equal(run.code, 2);
      assert.ok(run.stderr.includes(VERTEX_LINE), run.stderr);
      assert.doesNotMatch(run.stderr, /^\s+at /m);
    }
  });

  it('refuses unknown options, unknown commands and stray arguments with the usage line (exit 2)', async () => {
    // The parser's other cases are covered in-process (args.test.ts).
    const cases: Array<[string[], RegExp]> = [
      [['--conifg', good], /^rankway: unknown option --conifg$/m],
      [['frobnicate'], /^rankway: unknown command frobnicate \(commands: serve, eval, validate\)$/m],
    ];
    for (const [args, pattern] of cases) {
      const run = await rankway(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.match(run.stderr, USAGE);
      assert.equal(run.stdout, '', 'nothing started');
    }
  });

  it('a port in use: one line naming the address', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const run = await rankway([], { PORT: String(port), RANKWAY_DATA_DIR: join(dir, 'port') });
      assertOneLineFailure(run, new RegExp(`listening on 127\\.0\\.0\\.1:${port} .*already in use`));
    } finally {
      blocker.close();
    }
  });

  it('an unreachable database: one line naming where it tried', async () => {
    const port = await freePort();
    const run = await rankway([], {
      DATABASE_URL: `postgres://rankway:pw-not-shown@127.0.0.1:${port}/rw`,
      RANKWAY_DATA_DIR: join(dir, 'pg'),
    });
    assertOneLineFailure(run, new RegExp(`connecting to PostgreSQL at 127\\.0\\.0\\.1:${port}/rw .*connection refused`));
    assert.doesNotMatch(run.stderr, /pw-not-shown/);
  });

  it('an unreadable key file (secret.key, a TLS key): one line naming the file', async () => {
    const data = join(dir, 'keydir');
    mkdirSync(join(data, 'secret.key'), { recursive: true });
    assertOneLineFailure(await rankway([], { RANKWAY_DATA_DIR: data }), /cannot read .*keydir\/secret\.key: it is a directory/);
    const tls = file('tls.yaml', `server:\n  tls:\n    cert: ${join(dir, 'missing-cert.pem')}\n    key: ${join(dir, 'missing-key.pem')}\n`);
    assertOneLineFailure(
      await rankway(['-c', tls], { RANKWAY_DATA_DIR: join(dir, 'tls') }),
      /cannot open .*missing-cert\.pem: no such file/,
    );
  });

  it('a corrupt database: one line; LOG_LEVEL=debug adds the stack', async () => {
    const data = join(dir, 'corrupt');
    mkdirSync(data);
    writeFileSync(join(data, 'rankway.db'), 'this is not a database file, it is just text '.repeat(200));
    assertOneLineFailure(
      await rankway([], { RANKWAY_DATA_DIR: data }),
      /opening the embedded database in .*corrupt.*not a SQLite database/,
    );
    const debug = await rankway([], { RANKWAY_DATA_DIR: data, LOG_LEVEL: 'debug' });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /^\s+at /m, 'the stack with LOG_LEVEL=debug');
  });

  it('a read-only data dir: one line', async (t) => {
    const data = join(dir, 'readonly');
    mkdirSync(data);
    chmodSync(data, 0o555);
    // root ignores permission bits: run as nobody then.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    if (uid !== undefined && spawnSync('test', ['-r', join(process.cwd(), 'node_modules', 'tsx', 'package.json')], { uid }).status !== 0) {
      return t.skip('the project folder is not readable by uid 65534 (a private clone): nobody could run the gateway to see the data dir');
    }
    assertOneLineFailure(await rankway([], { RANKWAY_DATA_DIR: data }, { uid }), /secret\.key: permission denied/);
    assertOneLineFailure(
      await rankway([], { RANKWAY_DATA_DIR: data, RANKWAY_SECRET_KEY: 'k' }, { uid }),
      /(opening the embedded database .*readonly.*cannot be opened|cannot create .*readonly.*permission denied)/,
    );
  });

  it('stored secrets sealed with another key: one line naming RANKWAY_SECRET_KEY', async () => {
    const data = join(dir, 'sealed');
    const store = new SqliteControlStore(openSqlite(data));
    const box = new SecretBox(loadSecretKey(data, { RANKWAY_SECRET_KEY: 'the-old-key' }));
    const now = new Date().toISOString();
    await store.createResource({
      id: 'pk_old',
      kind: 'provider_key',
      name: 'co',
      data: {
        display_name: 'co',
        provider: 'cohere',
        adapter: 'cohere',
        api_base: null,
        config: {},
        secret_sealed: box.seal('{"api_key":"k"}', 'pk_old'),
        secret_fields: ['api_key'],
      },
      createdAt: now,
      updatedAt: now,
    });
    await store.close();
    assertOneLineFailure(
      await rankway([], { RANKWAY_DATA_DIR: data, RANKWAY_SECRET_KEY: 'a-new-key' }),
      /provider_key pk_old.*RANKWAY_SECRET_KEY/,
    );
  });
});
