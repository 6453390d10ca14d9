import { randomUUID } from 'node:crypto';
import type { Logger } from '../observability/log.js';
import type { EvalStore, StoredEvalRun } from '../store/eval.js';
import type { CandidatePolicy } from './candidates.js';
import type { Conventions } from './conventions.js';
import { proxyReranker, type Injector } from './proxy-reranker.js';
import { relevantCount } from './metrics.js';
import { runEvaluation } from './runner.js';
import { fromStored, type StoredSetData } from './sets/stored.js';

export interface StartRun {
  readonly setId: string;
  readonly models: readonly string[];
  readonly ks: readonly number[];
  readonly candidates: CandidatePolicy;
  readonly conventions: Conventions;
  readonly concurrency: number;
  readonly baseline?: string;
  readonly cache: boolean;
  /** Caller key the calls are made with (needed with `auth: keys`); never stored. */
  readonly apiKey?: string;
  /** What to store as the run's request (no secrets). */
  readonly request: Record<string, unknown>;
}

/** How often a running evaluation writes its progress to the database. */
const PROGRESS_EVERY_MS = 1000;
/** Every run in progress is touched this often, even when no query finished, so it never looks stale. */
export const HEARTBEAT_MS = 15_000;
/** A `running` run untouched this long belongs to a gateway that stopped: it is marked interrupted. */
export const STALE_RUN_MS = 60_000;

/**
 * Evaluation runs started from the admin API. Each query goes through the proxy's own
 * `POST /v1/rerank` (in-process inject: routing, limits, budget, usage, pricing), tagged
 * with `x-rankway-eval-run` so usage records carry surface `eval`; results go to the store.
 */
export class EvalRunService {
  private readonly active = new Map<string, Promise<void>>();
  private readonly progress = new Map<string, number>();
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly store: () => EvalStore,
    private readonly proxy: Injector,
    private readonly logger: Logger,
  ) {}

  /** Creates the run record and starts it in the background; resolves with the stored run. */
  async start(options: StartRun): Promise<StoredEvalRun | undefined> {
    const found = await this.store().getSet(options.setId);
    if (!found) return undefined;
    const set = fromStored(found.set.name, found.set.format, found.data as StoredSetData);
    const counted = set.queries.filter(
      (q) => options.conventions.queries_without_relevant === 'zero' || relevantCount(q.judgments, options.conventions) > 0,
    ).length;
    const now = new Date().toISOString();
    const run: StoredEvalRun = {
      id: `evr_${randomUUID().replace(/-/g, '')}`,
      setId: found.set.id,
      status: 'running',
      done: 0,
      total: counted * options.models.length,
      request: options.request,
      report: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.store().createRun(run);
    const reranker = proxyReranker(this.proxy, { apiKey: options.apiKey, cache: options.cache, headers: { 'x-rankway-eval-run': run.id } });
    let lastWrite = 0;
    const job = runEvaluation({
      set,
      models: options.models,
      ks: options.ks,
      reranker,
      concurrency: options.concurrency,
      candidates: options.candidates,
      conventions: options.conventions,
      baseline: options.baseline,
      seed: options.candidates.seed,
      onProgress: (done) => {
        this.progress.set(run.id, done);
        const t = Date.now();
        if (t - lastWrite < PROGRESS_EVERY_MS) return;
        lastWrite = t;
        void this.store()
          .updateRun(run.id, { status: 'running', done, updatedAt: new Date().toISOString() })
          .catch((err) => this.logger.warn({ err, run: run.id }, 'evaluation progress not saved'));
      },
    }).then(
      (report) => this.store().updateRun(run.id, { status: 'completed', done: run.total, report, updatedAt: new Date().toISOString() }),
      (err) =>
        this.store().updateRun(run.id, { status: 'failed', done: 0, error: (err as Error).message, updatedAt: new Date().toISOString() }),
    );
    const settled = job
      .catch((err) => this.logger.error({ err, run: run.id }, 'evaluation run result not saved'))
      .finally(() => {
        this.active.delete(run.id);
        this.progress.delete(run.id);
      });
    this.active.set(run.id, settled);
    return run;
  }

  /**
   * Runs cut off by a stop or crash would stay `running` forever: marks them `interrupted`.
   * At start on an instance that alone owns its database (SQLite) that is every running run;
   * with a shared database, only those no instance has touched for STALE_RUN_MS, checked at
   * start and then every HEARTBEAT_MS (when this instance's own runs are touched too).
   */
  async recover(shared: boolean): Promise<void> {
    await this.sweep(shared ? STALE_RUN_MS : 0);
    this.heartbeat ??= setInterval(() => {
      const now = new Date().toISOString();
      for (const [id, done] of this.progress)
        void this.store()
          .touchRun(id, done, now)
          .catch(() => undefined);
      for (const id of this.active.keys())
        if (!this.progress.has(id))
          void this.store()
            .touchRun(id, 0, now)
            .catch(() => undefined);
      if (shared) void this.sweep(STALE_RUN_MS).catch(() => undefined);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async sweep(staleMs: number): Promise<void> {
    const now = Date.now();
    const n = await this.store().interruptRuns(new Date(now - staleMs).toISOString(), new Date(now).toISOString());
    if (n > 0) this.logger.warn({ runs: n }, 'evaluation runs left running by a stopped gateway marked interrupted');
  }

  /** Stops the heartbeat (shutdown). */
  stop(): void {
    clearInterval(this.heartbeat);
  }

  /** Resolves when the run (if this instance runs it) has finished and been stored. */
  async settled(id: string): Promise<void> {
    await this.active.get(id);
  }

  /** Waits for every run in progress (shutdown and tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.active.values()]);
  }
}
