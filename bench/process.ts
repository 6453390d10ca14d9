import { fork, type ChildProcess } from 'node:child_process';
import { build } from 'esbuild';
import type { ChildUsage } from './child.js';

const OUT_DIR = new URL('../dist/bench/', import.meta.url).pathname;

/**
 * Bundles a child's entry (and the Rankway source it imports) to plain JavaScript, so the
 * measured processes run on bare `node` with no TypeScript loader adding CPU or memory.
 * Packages stay external: they load from node_modules as in production.
 */
/** Each child is bundled once per run, however many times it is started. */
const compiled = new Map<string, Promise<string>>();

function compile(file: string, root?: string): Promise<string> {
  const key = `${root ?? ''}|${file}`;
  let out = compiled.get(key);
  if (!out) {
    out = bundle(file, root);
    compiled.set(key, out);
  }
  return out;
}

async function bundle(file: string, root?: string): Promise<string> {
  const outfile = OUT_DIR + (root ? 'base-' : '') + file.replace(/\.ts$/, '.mjs');
  await build({
    entryPoints: [root ? `${root}/bench/${file}` : new URL(`./${file}`, import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
  return outfile;
}

/** A benchmark server in its own process, queried over IPC for its CPU and memory. */
export interface Child {
  readonly port: number;
  readonly pid: number;
  /** CPU and memory now; `gc` runs a full collection first (needs --expose-gc). */
  usage(gc?: boolean): Promise<ChildUsage>;
  stop(): Promise<void>;
}

/** `root`: another checkout to take the file (and the Rankway source it imports) from. */
export async function startChild(file: string, env: Record<string, string>, execArgv: string[] = [], root?: string): Promise<Child> {
  const child: ChildProcess = fork(await compile(file, root), [], {
    execArgv: [...execArgv, ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${OUT_DIR}profiles`] : [])],
    env: { ...process.env, ...env, OTEL_EXPORTER_OTLP_ENDPOINT: '', LOG_PAYLOADS: '' },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, (u: ChildUsage) => void>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    child.on('message', (m: { ready?: boolean; port?: number; id?: number; usage?: ChildUsage }) => {
      if (m.ready) resolve(m.port!);
      else if (m.id !== undefined) {
        pending.get(m.id)?.(m.usage!);
        pending.delete(m.id);
      }
    });
  });
  return {
    port,
    pid: child.pid!,
    usage: (gc = false) =>
      new Promise<ChildUsage>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        child.send({ cmd: gc ? 'gc' : 'usage', id });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
