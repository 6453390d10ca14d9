import type { SecretBox } from '../auth/secrets/secret-box.js';
import type { GatewayConfig, LoadedProvider } from '../config/load.js';
import type { Limiter } from '../core/limits/types.js';
import { periodStart } from '../core/limits/types.js';
import type { Router } from '../core/router.js';
import { ProviderRuntime } from '../core/upstream.js';
import type { Logger } from '../observability/log.js';
import type { ControlStore } from '../store/control.js';
import type { HttpClient } from '../transport/http-client.js';
import type { ApiKeyData } from './resources.js';
import { buildSnapshot, type ControlSnapshot } from './snapshot.js';

export interface ControlPlaneDeps {
  readonly store: ControlStore;
  readonly box: SecretBox;
  readonly http: HttpClient;
  readonly router: Router;
  readonly limiter: Limiter;
  readonly logger: Logger;
}

/**
 * Keeps the running snapshot in step with the config file and the database. Every instance
 * polls the store's change-feed version (one tiny query every `intervalMs`), so a change made
 * through any instance's admin API is live everywhere within a second, on SQLite or
 * PostgreSQL alike. Requests never wait on this: they read whatever snapshot is current.
 */
export class ControlPlane {
  private snapshot?: ControlSnapshot;
  private file: GatewayConfig;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private runtimes = new Map<string, ProviderRuntime>();
  private lastSeed = 0;
  private readonly reported = new Set<string>();

  constructor(
    file: GatewayConfig,
    private readonly deps: ControlPlaneDeps,
  ) {
    this.file = file;
  }

  get current(): ControlSnapshot {
    if (!this.snapshot) throw new Error('control plane not loaded');
    return this.snapshot;
  }

  get fileConfig(): GatewayConfig {
    return this.file;
  }

  /** Polls for changes until `stop()`. */
  start(intervalMs = 500): void {
    let failing = false;
    this.timer = setInterval(() => {
      this.refresh().then(
        () => {
          if (failing) this.deps.logger.info('control plane refresh works again');
          failing = false;
        },
        (err) => {
          // Once per outage: the poll runs twice a second.
          if (!failing) this.deps.logger.warn({ err }, 'control plane refresh failed; keeping the current snapshot');
          failing = true;
        },
      );
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Rebuilds when the database changed since the current snapshot (or when forced). */
  refresh(force = false): Promise<void> {
    this.running = this.running.catch(() => undefined).then(async () => {
      const version = await this.deps.store.version();
      if (force || !this.snapshot || version !== this.snapshot.version) await this.rebuild(version);
      if (Date.now() - this.lastSeed > 10_000) await this.seedBudgets();
    });
    return this.running;
  }

  /** Called after this instance wrote to the database (admin API): rebuild and tell the others. */
  async changed(): Promise<void> {
    await this.refresh();
    this.onLocalChange?.();
  }

  /** Set by the gateway to broadcast changes (Redis pub/sub) when it has a bus. */
  onLocalChange?: () => void;

  /** Swaps in a new config file (hot reload); database resources stay. */
  async useFile(file: GatewayConfig): Promise<void> {
    this.file = file;
    await this.refresh(true);
  }

  private async rebuild(version: number): Promise<void> {
    const { store } = this.deps;
    const [providerKeys, models, apiKeys, awsAccessKeys] = await Promise.all([
      store.listResources('provider_key'),
      store.listResources('model'),
      store.listResources('api_key'),
      store.listResources('aws_access_key'),
    ]);
    const next = new Map<string, ProviderRuntime>();
    const snapshot = buildSnapshot(this.file, { version, providerKeys, models, apiKeys, awsAccessKeys }, {
      box: this.deps.box,
      runtime: (cacheKey: string, provider: LoadedProvider) => {
        // Unchanged providers keep their runtime: connection pools and learnt paths survive.
        let rt = this.runtimes.get(cacheKey);
        if (!rt || (cacheKey.startsWith('file:') && rt.config !== provider.config)) rt = new ProviderRuntime(provider, this.deps.http);
        next.set(cacheKey, rt);
        return rt;
      },
      skip: (kind, id, reason) => {
        const key = `${kind}:${id}:${reason}`;
        if (this.reported.has(key)) return;
        this.reported.add(key);
        this.deps.logger.warn({ kind, id, reason }, 'database resource skipped');
      },
    });
    this.runtimes = next;
    this.snapshot = snapshot;
    this.deps.router.swap(snapshot.table);
    await this.seedBudgets();
  }

  /** Budgets survive restarts: spend recorded in the database is the floor of the running total. */
  private async seedBudgets(): Promise<void> {
    this.lastSeed = Date.now();
    const now = Date.now();
    for (const period of ['day', 'month'] as const) {
      const keys = new Set(this.current.apiKeys.filter((k) => (k.data as unknown as ApiKeyData).budget?.period === period).map((k) => k.id));
      if (keys.size === 0) continue;
      // Every key's spend from the rollups (no per-key SQL variables), kept for budgeted keys.
      const spent = await this.deps.store.spendSince(new Date(periodStart(period, now)).toISOString());
      for (const [keyId, usd] of spent) if (keys.has(keyId)) await this.deps.limiter.seedSpend(keyId, period, usd, now);
    }
  }
}
