// Runs README blocks as a user would: shell through bash (with `curl` and `rankway` on the
// PATH), transcripts command by command, JS with node and Python with Debian's python3.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const MARK = '@@rw-mark@@';
const STATUS = /^@@rw-status (\d{3}) (.*)$/;
let runs = 0;

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** HTTP statuses curl received, in order, with their URLs. */
  readonly statuses: ReadonlyArray<{ status: number; url: string }>;
}

/** Where the test instance listens and which real hosts stand for which fakes. */
export interface Targets {
  readonly proxy: string;
  readonly admin: string;
  readonly hosts: ReadonlyMap<string, string>;
}

/** Swaps the README's addresses (ports 3000/3001, vendor hosts) for the test's. */
export function rewrite(text: string, t: Targets): string {
  let out = text
    .replace(/(?:https?:\/\/)?(?:127\.0\.0\.1|localhost):3000\b/g, t.proxy)
    .replace(/(?:https?:\/\/)?(?:127\.0\.0\.1|localhost):3001\b/g, t.admin);
  for (const [from, to] of t.hosts) out = out.split(from).join(to);
  return out;
}

/** A bin directory with the `curl` and `rankway` the examples call. */
export function makeBin(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const tsx = import.meta.resolve('tsx');
  const write = (name: string, body: string) => {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  };
  // Every answer's status is noted in $RW_STATUS_FILE, so a block whose call failed cannot
  // pass unnoticed; curl's own stderr stays what the user would see.
  write(
    'curl',
    [
      '#!/bin/bash',
      'err=$(mktemp)',
      `/usr/bin/curl --write-out '%{stderr}@@rw-status %{http_code} %{url_effective}\\n' "$@" 2>"$err"`,
      'rc=$?',
      'grep "^@@rw-status" "$err" >> "${RW_STATUS_FILE:-/dev/null}"',
      'grep -v "^@@rw-status" "$err" >&2',
      'rm -f "$err"',
      'exit $rc',
      '',
    ].join('\n'),
  );
  // The built CLI starts in a fraction of tsx's time; it is used only when no source is newer.
  const built = join(REPO, 'dist/src/main.js');
  const run =
    existsSync(built) && newest(join(REPO, 'src')) < statSync(built).mtimeMs ? `"${built}"` : `--import "${tsx}" "${REPO}/src/main.ts"`;
  write('rankway', `#!/bin/sh\nexec "${process.execPath}" ${run} "$@"\n`);
  return bin;
}

function newest(dir: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    max = Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return max;
}

export function exec(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string },
): Promise<Run> {
  return new Promise((done) => {
    const statusFile = join(options.cwd, `.rw-status-${process.pid}-${++runs}`);
    const env = { ...options.env, RW_STATUS_FILE: statusFile };
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.stdin.end(options.input ?? '');
    child.on('close', (code) => {
      clearTimeout(timer);
      const statuses: Array<{ status: number; url: string }> = [];
      const noted = existsSync(statusFile) ? readFileSync(statusFile, 'utf8') : '';
      rmSync(statusFile, { force: true });
      for (const line of noted.split('\n')) {
        const m = STATUS.exec(line);
        if (m) statuses.push({ status: Number(m[1]), url: m[2] });
      }
      done({ code, stdout, stderr, statuses });
    });
  });
}

/** A `# {...}` answer written under a command in a shell block, with its position. */
export interface CommentAnswer {
  readonly text: string;
}

/**
 * Splits a shell block at its commented answers: a mark is printed where each one sits,
 * so what the commands before it printed can be compared with it.
 */
export function markShell(script: string): { script: string; answers: CommentAnswer[] } {
  const lines = script.split('\n');
  const out: string[] = [];
  const answers: CommentAnswer[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*#\s*(?:…\s*|\.\.\.\s*)?[{[]/.test(lines[i])) {
      const group: string[] = [];
      while (i < lines.length && /^\s*#/.test(lines[i])) group.push(lines[i++].replace(/^\s*#\s?/, ''));
      i--;
      out.push(`printf '\\n${MARK}\\n'`);
      // Continuation lines of a long answer carry their own leading space: join them as written.
      answers.push({ text: group.join('') });
      continue;
    }
    out.push(lines[i]);
  }
  return { script: out.join('\n'), answers };
}

export function splitMarks(stdout: string): string[] {
  return stdout.split(`\n${MARK}\n`);
}

/** A `console` transcript: commands after `$ ` (continued by a trailing backslash) and what they printed. */
export function parseTranscript(text: string): Array<{ command: string; output: string }> {
  const steps: Array<{ command: string; output: string[] }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('$ ')) {
      let command = line.slice(2);
      while (command.endsWith('\\') && i + 1 < lines.length) command += `\n${lines[++i]}`;
      steps.push({ command, output: [] });
    } else if (steps.length > 0) steps[steps.length - 1].output.push(line);
  }
  return steps.map((s) => ({ command: s.command, output: s.output.join('\n').trimEnd() }));
}

/** A transcript shows what the terminal shows: stderr goes with stdout. */
export function transcriptScript(steps: ReadonlyArray<{ command: string }>): string {
  return ['exec 2>&1', ...steps.map((s) => `${s.command}\nprintf '\\n${MARK}\\n'`)].join('\n');
}

/** Python modules a snippet imports (top-level names). */
export function pythonImports(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(/^[ \t]*import[ \t]+([\w., \t]+)$/gm)) for (const n of m[1].split(',')) names.add(n.trim().split('.')[0]);
  for (const m of code.matchAll(/^\s*from\s+([\w.]+)\s+import/gm)) names.add(m[1].split('.')[0]);
  return [...names].filter(Boolean);
}

/**
 * Interpreters to try, in order: README_PYTHON when set, else Debian's, then the python3 on
 * the PATH (Debian bookworm's boto3 1.26 predates Bedrock, so a newer one may be the only
 * one that can run the Bedrock snippets).
 */
export const PYTHONS = process.env.README_PYTHON ? [process.env.README_PYTHON] : ['/usr/bin/python3', 'python3'];

/** The first interpreter that can run `code`, or why none can. */
export async function pickPython(code: string, cwd: string): Promise<{ python: string } | { missing: string }> {
  const reasons: string[] = [];
  for (const python of PYTHONS) {
    const missing = await pythonMissing(python, code, cwd);
    if (!missing) return { python };
    reasons.push(`${python}: ${missing}`);
  }
  return { missing: reasons.join('; ') };
}

/**
 * Why a Python snippet cannot run with this interpreter, or undefined when it can: a module
 * it imports is missing, or a boto3 client or operation it calls is unknown to the installed
 * boto3 (Debian's package can be older than the API the snippet uses).
 */
async function pythonMissing(python: string, code: string, cwd: string): Promise<string | undefined> {
  if (python.startsWith('/') && !existsSync(python)) return 'not installed';
  const modules = pythonImports(code);
  const services = [...code.matchAll(/boto3\.client\(\s*["']([\w-]+)["']/g)].map((m) => m[1]);
  const operations = [...code.matchAll(/\bclient\.(\w+)\(/g)].map((m) => m[1]);
  const probe = `
import importlib, sys
missing = []
for m in ${JSON.stringify(modules)}:
    try: importlib.import_module(m)
    except ImportError: missing.append("python module " + m)
if not missing and ${JSON.stringify(services)}:
    import boto3
    for s in ${JSON.stringify(services)}:
        try: c = boto3.client(s, region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="y")
        except Exception: missing.append("boto3 " + boto3.__version__ + " has no client " + s); continue
        for op in ${JSON.stringify(operations)}:
            if not hasattr(c, op): missing.append("boto3 " + boto3.__version__ + " has no " + s + "." + op)
print("; ".join(missing))
`;
  const run = await exec(python, ['-c', probe], { cwd, env: process.env, timeoutMs: 60_000 });
  if (run.code !== 0) return `cannot run it: ${run.stderr.trim().split('\n').pop()}`;
  return run.stdout.trim() || undefined;
}
