import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './process.js';

/**
 * A PostgreSQL cluster of its own for tests that stop or pause the database (never the
 * machine's shared one): initdb in a temporary directory, `postgres` on a free random port,
 * stopped by its PID. As root, the server runs as the `postgres` user (it refuses root).
 */
export interface ThrowawayPg {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** SIGSTOP / SIGCONT: the server keeps its sockets but answers nothing. */
  pause(): void;
  resume(): void;
  /** Fast shutdown (SIGINT to the postmaster), waiting for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : undefined;
}

function signalCluster(postmaster: number, signal: NodeJS.Signals): void {
  const send = (pid: number): void => {
    try {
      process.kill(pid, signal);
    } catch {
      // exited meanwhile
    }
  };
  // The postmaster first: once it is stopped it forks no new backend, so the scan below sees
  // every backend (a connection accepted during the scan would otherwise keep answering).
  send(postmaster);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = /^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (Number(ppid) === postmaster) send(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
}

/** A fresh cluster, or a skip reason when PostgreSQL's binaries are not installed (a failure under CI=true). */
export async function throwawayPg(): Promise<ThrowawayPg | string> {
  const bin = binDir();
  if (!bin) {
    if (process.env.CI === 'true') throw new Error('initdb not found under /usr/lib/postgresql (CI=true: these tests must run)');
    return 'PostgreSQL binaries (initdb) are not installed';
  }
  const root = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'rankway-pg-'));
  const data = join(dir, 'data');
  if (root) chownSync(dir, 101, 104);
  // setpriv execs in place, so the child's PID is the postmaster's.
  const asUser = (cmd: string, args: string[]): [string, string[]] =>
    root ? ['setpriv', ['--reuid=101', '--regid=104', '--init-groups', cmd, ...args]] : [cmd, args];
  const [initCmd, initArgs] = asUser(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    const [cmd, args] = asUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-h',
      '127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=60',
    ]);
    child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 20_000;
    for (;;) {
      const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`throwaway PostgreSQL did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    process.kill(c.pid!, 'SIGCONT');
    process.kill(c.pid!, 'SIGINT');
    await exited;
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    get pid() {
      return child!.pid!;
    },
    // The postmaster and every backend: a paused postmaster alone would still answer on open connections.
    pause: () => signalCluster(child!.pid!, 'SIGSTOP'),
    resume: () => signalCluster(child!.pid!, 'SIGCONT'),
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
