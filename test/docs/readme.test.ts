/**
 * Executable documentation: every example in README.md and docs/*.md runs here, against a
 * real Rankway (in this process, on free ports) whose upstreams are the project's fakes.
 *
 * HOW TO WRITE A RUNNABLE EXAMPLE (nothing else is needed: no test code to add)
 * - Fence language decides what a block is:
 *     yaml            a config. Loaded and validated as `rankway validate` would. The yaml blocks
 *                     of a section, merged in order (providers/models/keys by name), are the
 *                     config of the command blocks that follow them in the same section (same
 *                     heading path); a section without one runs on the embedded default.
 *     sh, bash        run with bash (`set -e -o pipefail`), cwd a scratch directory.
 *     console         a transcript: `$ command` lines (a trailing `\` continues one), each
 *                     followed by what it prints; every command runs and its output is compared.
 *     js, ts          written to an .mjs file and run with node (imports resolve to the repo's
 *                     node_modules, so the official SDKs are there).
 *     python          run with Debian's /usr/bin/python3, else the python3 on the PATH
 *                     (README_PYTHON overrides both), whichever has every module the snippet
 *                     imports and every boto3 client/operation it calls; skipped, with the
 *                     reason printed, when none has. CI (.ci/run) installs python3-boto3/requests
 *                     (Debian bookworm's boto3 1.26 predates Bedrock: those snippets need a newer one).
 *     json, text, no language
 *                     output: not run. Right after a runnable block it is that block's answer.
 * - Markers, on the line immediately before the opening fence:
 *     <!-- not-runnable: <reason> -->   the block cannot run here (a real AWS account, a
 *                                       cluster, Docker...). Keep the list short; each says why.
 *     <!-- output -->                   an output block whatever its language.
 *     <!-- file: NAME -->               the block's text is written to NAME in the section's
 *                                       scratch directory (a config to `--config`, a data file).
 * - Answers: the JSON block right after a command, or `# {...}` comment lines under a command in
 *   a shell block, is compared with the last JSON the command printed: keys shown must exist,
 *   strings, booleans and null must be equal, numbers be numbers. `…` or `...` elides (a value,
 *   members at the end, part of a string; a leading `…` means "somewhere in the answer").
 *   Transcript text is compared line by line with the same `…` glob.
 * - Every curl answer is checked: an HTTP status >= 400 fails the block unless the answer the
 *   README shows for it is an error envelope.
 * - Addresses: `127.0.0.1:3000` / `localhost:3000` (with or without http://) become the test
 *   proxy and `:3001` the admin port; real vendor hosts become fakes (see upstreams.ts). The
 *   environment the README assumes (COHERE_API_KEY, RANKWAY_ADMIN_KEY, ...) is README_ENV below:
 *   add a variable there when an example needs a new one.
 * - Instances: one Rankway per distinct merged config, started on first use and shared by every
 *   block that runs with it (state persists between those blocks, in document order: show
 *   answers that hold whatever ran before, e.g. `[…, {...}, …]` for one row of a list).
 *   Providers whose base_url is on 127.0.0.1/localhost are left as written.
 * - Run one part: README_ONLY='Troubleshooting' node scripts/run-tests.mjs test/docs/readme
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { buildConfig } from '../../src/config/load.js';
import { interpolateEnv } from '../../src/config/interpolate.js';
import { extractBlocks, type Block } from './markdown.js';
import { Instances, mergeConfigs } from './instances.js';
import { commandHosts, type CommandHosts } from './command-hosts.js';
import {
  exec,
  makeBin,
  markShell,
  parseTranscript,
  pickPython,
  REPO,
  rewrite,
  splitMarks,
  transcriptScript,
  type Run,
  type Targets,
} from './runners.js';
import { compareAnswer, globMatch, isErrorAnswer, jsonValues, parseExpected, type Expected } from './shape.js';
import { forValidation } from './upstreams.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The environment the README's examples assume; the fakes demand exactly these credentials. */
export const README_ENV: Record<string, string> = {
  RANKWAY_ADMIN_KEY: 'rk-admin-change-me',
  RANKWAY_KEY: 'rk-readme-caller',
  COHERE_API_KEY: 'co-readme-key',
  INFERENCE_KEY: 'inf-readme-heroku',
  OPENAI_API_KEY: 'sk-readme-openai',
  AZURE_OPENAI_KEY: 'azure-readme-key',
  AWS_ACCESS_KEY_ID: 'AKIAREADMEEXAMPLE001',
  AWS_SECRET_ACCESS_KEY: 'readme/secret/access/key/0000000000000000',
  AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key-readme',
  RERANK_EXTERNAL_ID: 'readme-external-id',
  SEARCH_TEAM_AWS_SECRET: 'search-team-secret-readme-000000000000000',
  CHAT_TEAM_AWS_SECRET: 'chat-team-secret-readme-0000000000000000',
  SEARCH_APP_KEY_SHA256: sha('sk-search-app'),
  GOOGLE_ACCESS_TOKEN: 'ya29.readme-token',
};

const FILES = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocksOf = (file: string) => extractBlocks(file, readFileSync(join(REPO, file), 'utf8'));

interface Context {
  scratch: string;
  env: NodeJS.ProcessEnv;
  instances: Instances;
  hosts: CommandHosts;
}
const ctx = {} as Context;
const notRunnable: string[] = [];
const skippedPython: string[] = [];

before(async () => {
  ctx.scratch = mkdtempSync(join(tmpdir(), 'rankway-readme-'));
  const bin = makeBin(ctx.scratch);
  // The in-process gateway's default AWS chain reads process.env: give it the README's pair.
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) process.env[k] = README_ENV[k];
  const profiles = join(ctx.scratch, 'aws-credentials');
  const pair = `aws_access_key_id = ${README_ENV.AWS_ACCESS_KEY_ID}\naws_secret_access_key = ${README_ENV.AWS_SECRET_ACCESS_KEY}\n`;
  writeFileSync(profiles, `[default]\n${pair}[rerank]\n${pair}`);
  process.env.AWS_SHARED_CREDENTIALS_FILE = profiles;
  process.env.AWS_CONFIG_FILE = join(ctx.scratch, 'aws-config');
  delete process.env.AWS_PROFILE;
  ctx.env = {
    PATH: `${bin}:${process.env.PATH}`,
    LANG: 'C.UTF-8',
    LOG_LEVEL: 'silent',
    AWS_SHARED_CREDENTIALS_FILE: profiles,
    AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
    ...README_ENV,
  };
  ctx.instances = new Instances(ctx.scratch, ctx.env);
  ctx.hosts = await commandHosts(ctx.env);
});

after(async () => {
  await ctx.instances?.closeAll();
  await ctx.hosts?.close();
  if (ctx.scratch) rmSync(ctx.scratch, { recursive: true, force: true });
  const lines = [`README harness: ${ctx.instances?.size ?? 0} Rankway instance(s) for the runnable blocks.`];
  if (notRunnable.length) lines.push(`Not runnable (${notRunnable.length}):`, ...notRunnable.map((n) => `  ${n}`));
  if (skippedPython.length) lines.push(`Python skipped (${skippedPython.length}):`, ...skippedPython.map((n) => `  ${n}`));
  console.log(lines.join('\n'));
});

/** Groups blocks by section, keeping document order. */
function sections(blocks: readonly Block[]): Map<string, Block[]> {
  const out = new Map<string, Block[]>();
  for (const b of blocks) out.set(b.section, [...(out.get(b.section) ?? []), b]);
  return out;
}

/** README_ONLY=<part of a heading> runs only the sections whose heading path contains it. */
const ONLY = process.env.README_ONLY;
const RUNNABLE = new Set(['sh', 'console', 'js', 'python']);
const usesServer = (text: string) => /(?:127\.0\.0\.1|localhost):300[01]\b/.test(text);

/** The configs written directly under each section's heading, for subsections that show none. */
const ownConfigs = new Map<string, Array<Record<string, unknown>>>();
const inherited = (file: string, section: string, blocks: readonly Block[]) => {
  if (blocks.some((b) => b.kind === 'config')) return [];
  const parts = section.split(' > ');
  for (let i = parts.length - 1; i > 0; i--) {
    const found = ownConfigs.get(`${file}#${parts.slice(0, i).join(' > ')}`);
    if (found?.length) return found;
  }
  return [];
};

for (const file of FILES) {
  describe(file, () => {
    for (const [section, blocks] of sections(blocksOf(file))) {
      if (!blocks.some((b) => b.kind !== 'output')) continue;
      if (ONLY && !section.includes(ONLY)) continue;
      describe(section || '(top)', () => {
        const own: Array<Record<string, unknown>> = [];
        ownConfigs.set(`${file}#${section}`, own);
        const configs: Array<Record<string, unknown>> = [...inherited(file, section, blocks)];
        const sectionDir = () => {
          const dir = join(ctx.scratch, 'sections', sha(`${file}#${section}`).slice(0, 10));
          mkdirSync(dir, { recursive: true });
          return dir;
        };
        blocks.forEach((block, i) => {
          const name = `${file}:${block.line} ${block.kind}${block.lang ? ` (${block.lang})` : ''}`;
          const next = blocks[i + 1];
          const answer = next?.kind === 'output' ? next : undefined;
          if (block.kind === 'not-runnable') {
            notRunnable.push(`${file}:${block.line} [${section}] ${block.note}`);
            it(name, { skip: `not runnable: ${block.note}` }, () => {});
          } else if (block.kind === 'config') {
            const raw = (parseYaml(block.text) ?? {}) as Record<string, unknown>;
            configs.push(raw);
            own.push(raw);
            const merged = mergeConfigs(configs);
            it(`${name}: the config loads`, () => {
              const interpolated = interpolateEnv(merged, ctx.env) as Record<string, unknown>;
              buildConfig(forValidation(interpolated, sectionDir()), { env: ctx.env });
            });
          } else if (block.kind === 'file') {
            it(`${name}: ${block.note}`, () => writeFileSync(join(sectionDir(), block.note!), `${block.text}\n`));
          } else if (RUNNABLE.has(block.kind)) {
            const config = mergeConfigs(configs);
            it(name, async (t) => runBlock(t, block, config, answer, sectionDir()));
          }
        });
      });
    }
  });
}

async function targetsFor(block: Block, config: Record<string, unknown>): Promise<Targets> {
  const hosts = ctx.hosts.map;
  if (!usesServer(block.text)) return { proxy: 'http://127.0.0.1:9', admin: 'http://127.0.0.1:9', hosts };
  const instance = await ctx.instances.get(config);
  return { proxy: instance.proxy, admin: instance.admin, hosts };
}

async function runBlock(t: TestContext, block: Block, config: Record<string, unknown>, answer: Block | undefined, cwd: string) {
  const targets = await targetsFor(block, config);
  const code = rewrite(block.text, targets);
  const env = { ...ctx.env, RANKWAY_URL: targets.proxy, RANKWAY_ADMIN_URL: targets.admin };
  const expected = answer ? parseExpected(answer.text) : undefined;
  switch (block.kind) {
    case 'sh': {
      const marked = markShell(code);
      const run = await exec('bash', ['-c', `set -e -o pipefail\n${marked.script}`], { cwd, env });
      assertRan(run, block);
      const segments = splitMarks(run.stdout);
      const answers = marked.answers.map((a) => parseExpected(a.text));
      answers.forEach((a, k) => {
        if (a) check(a, segments[k], block, `answer ${k + 1}`);
      });
      if (expected) check(expected, segments[segments.length - 1], block, 'the answer shown after it');
      else if (answer && !expected) checkText(answer.text, segments[segments.length - 1], block, cwd);
      allowedStatuses(run, [...answers, expected], block);
      return;
    }
    case 'console': {
      const steps = parseTranscript(code);
      const run = await exec('bash', ['-c', transcriptScript(steps)], { cwd, env });
      const segments = splitMarks(run.stdout);
      const answers = steps.map((s) => (s.output ? parseExpected(s.output) : undefined));
      steps.forEach((s, k) => {
        const printed = `${segments[k] ?? ''}`;
        if (answers[k]) check(answers[k]!, printed, block, `$ ${s.command}`);
        else checkText(s.output, printed, block, cwd, `$ ${s.command}`);
      });
      allowedStatuses(run, answers, block);
      return;
    }
    case 'js': {
      const dir = join(REPO, 'node_modules', '.cache', 'rankway-readme');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${block.file.replace(/\W/g, '_')}_${block.line}.mjs`);
      writeFileSync(path, code);
      try {
        const run = await exec(process.execPath, [path], { cwd, env });
        assertRan(run, block);
        if (expected) check(expected, run.stdout, block, 'the answer shown after it');
      } finally {
        rmSync(path, { force: true });
      }
      return;
    }
    case 'python': {
      const picked = await pickPython(code, cwd);
      if ('missing' in picked) {
        skippedPython.push(`${block.file}:${block.line}: ${picked.missing}`);
        t.skip(picked.missing);
        return;
      }
      const run = await exec(picked.python, ['-c', code], { cwd, env });
      assertRan(run, block);
      if (expected) check(expected, run.stdout, block, 'the answer shown after it');
      return;
    }
  }
}

function assertRan(run: Run, block: Block): void {
  assert.equal(run.code, 0, `${block.file}:${block.line} exited ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
}

function check(expected: Expected, printed: string, block: Block, what: string): void {
  const problems = compareAnswer(expected, jsonValues(printed));
  assert.deepEqual(problems, [], `${block.file}:${block.line}, ${what}: the output does not match the README\n${printed}`);
}

/** Plain-text output: line by line, `…` globs, the scratch directory shown as /srv/rankway. */
function checkText(expected: string, printed: string, block: Block, cwd: string, what = 'output'): void {
  const actual = printed.split(cwd).join('/srv/rankway').trimEnd().split('\n');
  const want = expected.trimEnd().split('\n');
  const ok = want.length === actual.length && want.every((w, i) => globMatch(w.trimEnd(), actual[i].trimEnd()));
  assert.ok(ok, `${block.file}:${block.line}, ${what}: printed\n${actual.join('\n')}\n--- the README shows\n${want.join('\n')}`);
}

/** An HTTP error passes only where the README shows an error answer for the block. */
function allowedStatuses(run: Run, answers: ReadonlyArray<Expected | undefined>, block: Block): void {
  const showsError = answers.some((a) => a && isErrorAnswer(a.value));
  const failed = run.statuses.filter((s) => s.status >= 400 || s.status === 0);
  if (failed.length === 0 || showsError) return;
  assert.fail(
    `${block.file}:${block.line}: ${failed.map((f) => `${f.status} from ${f.url}`).join(', ')} but the README shows no error\n${run.stdout}`,
  );
}
