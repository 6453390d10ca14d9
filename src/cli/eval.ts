import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildGateway } from '../app.js';
import { loadConfig } from '../config/load.js';
import { conventionsOf } from '../eval/conventions.js';
import { proxyReranker, type Injector } from '../eval/proxy-reranker.js';
import { runEvaluation } from '../eval/runner.js';
import { loadSetDir } from '../eval/sets/load-dir.js';
import type { EvalSet } from '../eval/sets/types.js';
import { renderReport } from '../eval/table.js';
import { createLogger } from '../observability/log.js';

const USAGE = `usage: rankway eval --set DIR --models a,b [options]

Reranks every judged query of a local evaluation set with each model, through the gateway's
own routing and provider adapters (no server needs to run), and prints nDCG@k, MAP, MRR,
Recall@k and Judged@k. The first model is the baseline the others are compared with.

  --set DIR           BEIR, SMART (*.ALL/*.QRY/*.REL), TREC or inline (set.json) directory
  --models a,b        model aliases or provider/model (local/bm25 needs no config)
  --k 1,5,10,100      cut-offs (default 1,5,10,100)
  --config FILE       gateway config with the providers and aliases to evaluate
  --sample N|all      corpus documents added to each query's judged ones (default 100)
  --seed N            seed of the candidate sample and the bootstrap (default 42)
  --gain linear|exponential          nDCG gain (default linear)
  --empty skip|zero   queries without relevant documents: skipped (default) or scored 0
  --concurrency N     calls in flight (default 4)
  --split NAME        BEIR qrels split (default test)
  --api-key KEY       caller key when the config has auth: keys (or RANKWAY_API_KEY)
  --json              print the full report (per-query figures included) as JSON
`;

/** Where the command writes (the process's streams; tests pass their own). */
export interface EvalIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly tty?: boolean;
}

const PROCESS_IO: EvalIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  tty: process.stderr.isTTY,
};

/** The options of `rankway eval`, parsed strictly. */
function parseEvalArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      set: { type: 'string' },
      models: { type: 'string' },
      k: { type: 'string', default: '1,5,10,100' },
      config: { type: 'string' },
      sample: { type: 'string', default: '100' },
      seed: { type: 'string', default: '42' },
      gain: { type: 'string', default: 'linear' },
      empty: { type: 'string', default: 'skip' },
      concurrency: { type: 'string', default: '4' },
      split: { type: 'string' },
      'api-key': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

/** `rankway eval`: returns the process exit code (0 ok, 1 run failed, 2 bad usage). */
export async function runEvalCommand(args: string[], io: EvalIo = PROCESS_IO): Promise<number> {
  let parsed: ReturnType<typeof parseEvalArgs>;
  try {
    parsed = parseEvalArgs(args);
  } catch (err) {
    io.err(`rankway eval: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  const problems: string[] = [];
  const ks = (parsed.k ?? '').split(',').map((x) => Number(x.trim()));
  if (ks.some((k) => !Number.isInteger(k) || k <= 0)) problems.push('--k must be positive integers, e.g. 1,5,10,100');
  const models = (parsed.models ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (!parsed.set) problems.push('--set DIR is required');
  if (models.length === 0) problems.push('--models is required, e.g. --models local/bm25');
  const sample = parsed.sample === 'all' ? 'all' : Number(parsed.sample);
  if (sample !== 'all' && (!Number.isInteger(sample) || sample < 0)) problems.push('--sample must be a number >= 0 or "all"');
  const seed = Number(parsed.seed);
  if (!Number.isInteger(seed)) problems.push('--seed must be an integer');
  const concurrency = Number(parsed.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) problems.push('--concurrency must be a positive integer');
  if (parsed.gain !== 'linear' && parsed.gain !== 'exponential') problems.push('--gain must be linear or exponential');
  if (parsed.empty !== 'skip' && parsed.empty !== 'zero') problems.push('--empty must be skip or zero');
  if (problems.length > 0) {
    io.err(problems.map((p) => `rankway eval: ${p}\n`).join('') + `\n${USAGE}`);
    return 2;
  }

  let set: EvalSet;
  try {
    set = loadSetDir(parsed.set!, { split: parsed.split });
  } catch (err) {
    io.err(`rankway eval: ${(err as Error).message}\n`);
    return 2;
  }

  // Without a config file the embedded default serves (local/bm25); its store goes to a
  // throwaway directory so an evaluation leaves nothing behind.
  let config = loadConfig({ argv: parsed.config ? ['--config', parsed.config] : [] });
  let scratch: string | undefined;
  if (config.source === null) {
    scratch = mkdtempSync(join(tmpdir(), 'rankway-eval-'));
    config = { ...config, storage: { ...config.storage, data_dir: scratch } };
  }
  const gateway = buildGateway(config, {
    logger: createLogger({ level: 'silent' }),
    accessLog: false,
    env: { ...process.env, RANKWAY_ADMIN_KEY: process.env.RANKWAY_ADMIN_KEY ?? 'eval-cli-unused' },
  });
  try {
    await gateway.ready;
    const reranker = proxyReranker(gateway.proxy as unknown as Injector, { apiKey: parsed['api-key'] ?? process.env.RANKWAY_API_KEY });
    const progress = io.tty ? (done: number, total: number) => io.err(`\r${done}/${total} queries`) : undefined;
    const report = await runEvaluation({
      set,
      models,
      ks,
      reranker,
      concurrency,
      candidates: { sample, seed },
      conventions: conventionsOf({
        gain: parsed.gain as 'linear' | 'exponential',
        queries_without_relevant: parsed.empty as 'skip' | 'zero',
      }),
      seed,
      onProgress: progress,
    });
    if (progress) io.err('\n');
    io.out(parsed.json ? JSON.stringify(report, null, 2) + '\n' : renderReport(report) + '\n');
    const failed = report.models.filter((m) => m.errors === m.queries && m.queries > 0);
    for (const m of failed) io.err(`rankway eval: every query failed for ${m.model}: ${m.per_query[0]?.error ?? ''}\n`);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await gateway.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}
