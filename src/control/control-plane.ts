import { SecretUnreadableError, type SecretBox } from '../auth/secrets/secret-box.js';
import type { GatewayConfig, LoadedProvider } from '../config/load.js';
import type { Limiter, SpendSeed } from '../core/limits/types.js';
import { periodStart } from '../core/limits/types.js';
import type { Router } from '../core/router.js';
import { ProviderRuntime } from '../core/provider-runtime.js';
import type { Logger } from '../observability/log.js';
import type { ControlStore, FeedEntry, ResourceChange, ResourceKind } from '../store/repository.js';
import type { HttpClient } from '../transport/http-client.js';
import type { ApiKeyData } from './resources.js';
import { appendSnapshot, loadSnapshot, saveSnapshot } from './snapshot-file.js';
import { SnapshotState } from './snapshot-state.js';
import type { ControlSnapshot, SnapshotDeps } from './snapshot.js';

/** What to do about secrets sealed under another key; part of the log line and the start-up error. */
export const UNREADABLE_HINT =
  'it was sealed with a different key; set RANKWAY_SECRET_KEY (or restore secret.key in the data dir) to the key it was created with, or delete and re-create the resource';

export interface ControlPlaneDeps {
  readonly box: SecretBox;
  readonly http: HttpClient;
  readonly router: Router;
  readonly limiter: Limiter;
  readonly logger: Logger;
  /** Where the last good snapshot is saved (PostgreSQL only); absent: never saved. */
  readonly dataDir?: string;
  /** How often budgets are re-seeded from recorded spend as a safety net (ms). */
  readonly seedIntervalMs?: number;
}

/** Where the database part of the running snapshot came from. */
export type SnapshotSource = 'none' | 'saved' | 'database';

/** Changes read per query of the feed. */
const CHANGE_BATCH = 1000;
/** Changes appended to the saved snapshot before it is rewritten whole. */
const REWRITE_AFTER = 50_000;
/** Keys walked between yields when collecting budget seeds. */
const SEED_SLICE = 5000;
/** Beyond this many batches behind, the snapshot is read whole instead of patched. */
const MAX_PATCH_BATCHES = 20;

/**
 * Keeps the running snapshot in step with the config file and the database, by change: each
 * write appends (kind, id) to the change feed; an instance reads the feed after its version,
 * fetches just those resources and patches its snapshot. The feed is polled every
 * `intervalMs` (one indexed query) and a Redis message announcing a version makes the others
 * read it at once. Requests never wait on this: they read whatever snapshot is current.
 * Budgets are not re-summed per change: spend is seeded at start and on `seedBudgets()`.
 */
export class ControlPlane {
  private state?: SnapshotState;
  private store?: ControlStore;
  private file: GatewayConfig;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private runtimes = new Map<string, ProviderRuntime>();
  private readonly reported = new Set<string>();
  private lastSeed = 0;
  private seeding?: Promise<void>;
  private saveTimer?: NodeJS.Timeout;
  private dirtySince?: number;
  private saving: Promise<void> = Promise.resolve();
  /** Resources changed since the saved copy was last written or appended to. */
  private readonly unsaved = new Map<string, { kind: ResourceKind; id: string }>();
  /** The saved copy must be rewritten whole (first save, after a full read, after a failure). */
  private rewrite = true;
  /** Changes appended since the last whole rewrite. */
  private appended = 0;
  private saveFailed = false;
  private readonly snapshotDeps: SnapshotDeps;
  /** Set once a load or patch failed since the last success (logged once per outage). */
  private failing = false;
  source: SnapshotSource = 'none';

  constructor(
    file: GatewayConfig,
    private readonly deps: ControlPlaneDeps,
  ) {
    this.file = file;
    this.snapshotDeps = {
      box: deps.box,
      runtime: (cacheKey: string, provider: LoadedProvider) => {
        // Unchanged providers keep their runtime: connection pools and learnt paths survive.
        let rt = this.runtimes.get(cacheKey);
        if (!rt || (cacheKey.startsWith('file:') && rt.config !== provider.config)) {
          rt = new ProviderRuntime(provider, deps.http);
          this.runtimes.set(cacheKey, rt);
        }
        return rt;
      },
      skip: (kind, id, reason, cause) => {
        const key = `${kind}:${id}:${reason}`;
        if (this.reported.has(key)) return;
        this.reported.add(key);
        if (cause instanceof SecretUnreadableError)
          deps.logger.error({ kind, id }, `stored secret cannot be decrypted: ${UNREADABLE_HINT}`);
        else deps.logger.warn({ kind, id, reason }, 'database resource skipped');
      },
    };
  }

  get current(): ControlSnapshot {
    if (!this.state) throw new Error('control plane not loaded');
    return this.state;
  }

  get loaded(): boolean {
    return this.state !== undefined;
  }

  /** Stored secrets this instance cannot open (sealed under another secret key). */
  get unreadableSecrets(): readonly string[] {
    return this.undecryptable.map((entry) => entry.replace(':', ' '));
  }

  /** The same list, as the health checks name it. */
  get undecryptable(): readonly string[] {
    return this.state ? [...this.state.undecryptable] : [];
  }

  get fileConfig(): GatewayConfig {
    return this.file;
  }

  /** Serves the last saved snapshot (the database is unreachable); false when none was saved. */
  restore(): boolean {
    if (!this.deps.dataDir) return false;
    const rows = loadSnapshot(this.deps.dataDir);
    if (!rows) return false;
    this.install(SnapshotState.build(this.file, rows, this.snapshotDeps));
    this.source = 'saved';
    return true;
  }

  /** The database is reachable: the next refresh reads it whole, later ones by change. */
  attach(store: ControlStore): void {
    this.store = store;
  }

  /** Polls for changes until `stop()`. */
  start(intervalMs = 500): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      // A hung database still holds earlier polls: do not pile more queries onto it.
      if ((this.store as { stuck?: number } | undefined)?.stuck) return;
      void this.refresh().catch(() => undefined);
      const every = this.deps.seedIntervalMs ?? 60_000;
      if (this.source === 'database' && Date.now() - this.lastSeed > every) void this.seedBudgets().catch(() => undefined);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops polling and writes a snapshot save that was still waiting. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
      this.save();
    }
    await this.saving;
  }

  /**
   * Brings the snapshot up to the database's latest version. Calls made while one runs share
   * the next run, so a burst of notifications costs one read of the feed, not one each.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const run = (this.running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.catchUp();
      })
      .then(
        () => {
          if (this.failing) this.deps.logger.info('control plane reads the database again');
          this.failing = false;
        },
        (err: unknown) => {
          if (!this.failing) this.deps.logger.warn({ err }, 'control plane refresh failed; keeping the current snapshot');
          this.failing = true;
          throw err;
        },
      );
    this.queued = run;
    this.running = run;
    return run;
  }

  /** Another instance announced a version (Redis): read the feed unless we have it already. */
  notify(version: number | undefined): void {
    if (version !== undefined && this.state && this.source === 'database' && version <= this.state.version) return;
    void this.refresh().catch(() => undefined);
  }

  /** Called after this instance wrote to the database (admin API): patch, then tell the others. */
  async changed(kind: ResourceKind, id: string): Promise<void> {
    await this.refresh();
    this.onLocalChange?.({ kind, id, version: this.state?.version ?? 0 });
  }

  /** Set by the gateway to broadcast changes (Redis pub/sub) when it has a bus. */
  onLocalChange?: (change: ResourceChange) => void;

  /** Swaps in a new config file (hot reload); database resources stay, nothing is read again. */
  async useFile(file: GatewayConfig): Promise<void> {
    await this.running?.catch(() => undefined);
    this.file = file;
    if (!this.state) return;
    this.state.useFile(file);
    this.swapRouting();
  }

  /**
   * Budgets survive restarts: spend recorded in the database is the floor of the running
   * total. Runs once the database is first read, then every `seedIntervalMs` as a safety net;
   * a limiter that detects lost counters can call it (or read `budgetSpend()`) at any time.
   */
  seedBudgets(): Promise<void> {
    this.seeding ??= (async () => {
      try {
        this.lastSeed = Date.now();
        await this.deps.limiter.seedSpend(await this.budgetSpend(), Date.now());
      } finally {
        this.seeding = undefined;
      }
    })();
    return this.seeding;
  }

  /**
   * The database's spend in the current period of every budgeted key that spent anything: one
   * query per budget period for all keys at once (no per-key parameters, so 100,000 budgeted
   * keys are fine). A key with nothing spent has no seed, as its absent counter already reads
   * zero: with 100,000 budgeted keys the periodic re-seed costs what the spenders cost, and
   * walking the keys yields every few thousand so requests never wait behind it.
   */
  async budgetSpend(): Promise<SpendSeed[]> {
    const store = this.store;
    const state = this.state;
    if (!store || !state || state.apiKeys.length === 0) return [];
    const now = Date.now();
    const spent = { day: undefined as Map<string, number> | undefined, month: undefined as Map<string, number> | undefined };
    for (const period of ['day', 'month'] as const) {
      spent[period] = await store.spendSince(new Date(periodStart(period, now)).toISOString());
    }
    const seeds: SpendSeed[] = [];
    const rows = state.apiKeys;
    for (let i = 0; i < rows.length; i++) {
      if (i > 0 && i % SEED_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      const budget = (rows[i].data as unknown as ApiKeyData).budget;
      const usd = budget ? spent[budget.period]?.get(rows[i].id) : undefined;
      if (budget && usd) seeds.push({ keyId: rows[i].id, period: budget.period, usd });
    }
    return seeds;
  }

  private async catchUp(): Promise<void> {
    const store = this.store;
    if (!store) return;
    if (!this.state || this.source !== 'database') return this.loadAll(store);
    const state = this.state;
    // A backlog is patched a batch at a time, yielding in between; only a very long one
    // (an instance that was cut off for a while) is cheaper to read whole.
    for (let batch = 0; ; batch++) {
      if (batch === MAX_PATCH_BATCHES) return this.loadAll(store);
      const changes = await store.changesSince(state.version, CHANGE_BATCH);
      if (changes.length === 0) return;
      // The feed carries each resource as it is now (no read per change), so the latest
      // entry per resource is enough.
      const latest = new Map<string, FeedEntry>();
      for (const c of changes) latest.set(`${c.kind}\u0000${c.id}`, c);
      let routing = false;
      for (const [key, c] of latest) {
        routing = state.apply(c.kind, c.id, c.row) || routing;
        if (this.savesSnapshot) this.unsaved.set(key, c);
      }
      state.version = changes[changes.length - 1].version;
      if (routing) this.swapRouting();
      this.scheduleSave();
      if (changes.length < CHANGE_BATCH) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async loadAll(store: ControlStore): Promise<void> {
    const version = await store.version();
    const [providerKeys, models, apiKeys, awsAccessKeys] = await Promise.all([
      store.listResources('provider_key'),
      store.listResources('model'),
      store.listResources('api_key'),
      store.listResources('aws_access_key'),
    ]);
    const first = this.source !== 'database';
    this.install(SnapshotState.build(this.file, { version, providerKeys, models, apiKeys, awsAccessKeys }, this.snapshotDeps));
    this.source = 'database';
    this.rewrite = true;
    this.scheduleSave();
    if (first) await this.seedBudgets();
  }

  private install(state: SnapshotState): void {
    this.state = state;
    this.swapRouting();
  }

  /** Publishes the routing table and forgets runtimes no provider uses any more. */
  private swapRouting(): void {
    const table = this.state!.table;
    this.deps.router.swap(table);
    const used = new Set(table.providers.values());
    for (const [key, rt] of this.runtimes) if (!used.has(rt)) this.runtimes.delete(key);
  }

  /** Only a PostgreSQL deployment keeps a saved copy (SQLite is a local file already). */
  private get savesSnapshot(): boolean {
    return this.deps.dataDir !== undefined && this.store?.backend === 'postgres';
  }

  /**
   * Saves once changes have been quiet for 2 s, and at least every 30 s during a long burst.
   * A save appends the resources changed since the last one; the file is rewritten whole
   * (tens of megabytes with 100,000 keys, in chunks) only after a full read or once
   * `REWRITE_AFTER` changes were appended, so a change never costs O(keys).
   */
  private scheduleSave(): void {
    if (!this.savesSnapshot) return;
    const now = Date.now();
    this.dirtySince ??= now;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(
      () => {
        this.saveTimer = undefined;
        this.save();
      },
      Math.max(0, Math.min(2000, this.dirtySince + 30_000 - now)),
    );
    this.saveTimer.unref();
  }

  private save(): void {
    const dir = this.deps.dataDir;
    const state = this.state;
    if (!dir || !state) return;
    this.dirtySince = undefined;
    let write: () => Promise<void>;
    if (this.rewrite || this.appended + this.unsaved.size > REWRITE_AFTER) {
      const rows = state.allRows();
      this.rewrite = false;
      this.appended = 0;
      write = () => saveSnapshot(dir, rows);
    } else {
      if (this.unsaved.size === 0) return;
      const changes = [...this.unsaved.values()].map(({ kind, id }) => ({ kind, id, row: state.row(kind, id) }));
      this.appended += changes.length;
      const version = state.version;
      write = () => appendSnapshot(dir, changes, version);
    }
    this.unsaved.clear();
    const whole = this.appended === 0;
    this.saving = this.saving.then(async () => {
      // Appending to a copy whose last save failed could skip changes: the next save rewrites it.
      if (this.saveFailed && !whole) return;
      try {
        await write();
        this.saveFailed = false;
      } catch (err) {
        this.saveFailed = true;
        this.rewrite = true;
        this.deps.logger.warn({ err }, 'saving the control snapshot failed');
      }
    });
  }
}
