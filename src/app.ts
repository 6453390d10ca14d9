import type { FastifyInstance } from 'fastify';
import { adminSurface } from './api/admin/surface.js';
import { authorizeAdminRequest } from './api/admin/roles.js';
import { bedrockSurface } from './api/bedrock/surface.js';
import { bedrockRuntimeSurface } from './api/bedrock-runtime/surface.js';
import { dialectSurfaces } from './api/dialects/index.js';
import { healthSurface } from './api/health/surface.js';
import { imagesSurface } from './api/openai/images.js';
import { openAiSurface } from './api/openai/surface.js';
import { videosSurface } from './api/openai/videos.js';
import { OpenApiRegistry } from './api/openapi/registry.js';
import { openApiSurface } from './api/openapi/surface.js';
import { rerankSurface } from './api/rerank/surface.js';
import { ImagesService } from './core/images/service.js';
import { unpricedAliases } from './core/pricing.js';
import { pastEndOfLife } from './core/lifecycle.js';
import { VideoService } from './core/video/service.js';
import { batchSurface } from './api/openai/batch-surface.js';
import { parseBatchLine, renderBatchResult } from './api/openai/batches.js';
import { BatchService } from './core/batches/service.js';
import { resolveAdminKey, type AdminKey } from './auth/inbound/admin-key.js';
import type { RequestObserver } from './core/context.js';
import { KeyringAuthenticator, sha256Hex } from './auth/inbound/authenticator.js';
import type { AwsAccessKeyLookup } from './auth/inbound/aws-access-keys.js';
import { SigV4CallerAuthenticator, type AwsCallerKeyDirectory } from './auth/inbound/sigv4-caller.js';
import { loadSecretKey, SecretBox } from './auth/secrets/secret-box.js';
import type { GatewayConfig } from './config/load.js';
import { RedisChangeBus } from './control/change-bus.js';
import { ControlPlane, UNREADABLE_HINT } from './control/control-plane.js';
import type { Injector } from './eval/proxy-reranker.js';
import { EvalRunService } from './eval/run-service.js';
import { ChatService } from './core/chat/service.js';
import { EmbeddingsService } from './core/embeddings/service.js';
import { createPairCache, type PairCache } from './core/cache/index.js';
import { LimitEnforcer } from './core/limits/enforce.js';
import { MemoryLimiter } from './core/limits/memory.js';
import { RedisLimiter } from './core/limits/redis.js';
import type { Limiter } from './core/limits/types.js';
import { RerankService } from './core/rerank/service.js';
import { CalibrationTable } from './core/rerank/calibrate.js';
import { FeedbackLedger } from './core/rerank/feedback.js';
import { LabAggregates } from './core/rerank/lab-aggregates.js';
import { ShadowTraffic } from './core/rerank/shadow.js';
import { LabMetrics } from './observability/lab-metrics.js';
import { latestCalibrations } from './api/admin/eval-calibrations.js';
import { Router } from './core/router.js';
import type { ProviderRuntime } from './core/provider-runtime.js';
import { accessLog } from './observability/access-log.js';
import { DependencyRegistry, redisDependency } from './observability/health.js';
import { createLogger, type Logger } from './observability/log.js';
import { GatewayMetrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { buildAdminServer } from './server/admin.js';
import { registerConsoleStatic } from './server/console-static.js';
import { buildProxyServer } from './server/proxy.js';
import { mountSurface, type SurfaceEnv } from './server/surface.js';
import type { ControlStore } from './store/repository.js';
import { isConnectionFailure, StoreUnavailableError, withDeadline, type GuardedStore } from './store/deadline.js';
import { isPostgresUrl, openControlStore } from './store/open.js';
import { UsageJournal } from './store/usage-journal.js';
import { UsageRecorder } from './store/usage-recorder.js';
import { UsageMaintenance } from './store/usage-maintenance.js';
import { registerUsageMetrics } from './observability/usage-metrics.js';
import { join } from 'node:path';
import { HttpClient } from './transport/http-client.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  /** Log one line per request (on by default). */
  readonly accessLog?: boolean;
  /** Where RANKWAY_ADMIN_KEY and RANKWAY_SECRET_KEY are read (process.env by default). */
  readonly env?: NodeJS.ProcessEnv;
  /** How often each instance looks for database changes (ms). */
  readonly refreshIntervalMs?: number;
  /** Tracing (see `tracingFromEnv`); absent means off, with no cost per request. */
  readonly tracing?: Tracing;
}

/** Everything a running gateway holds; `close()` drains and releases it all. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly proxy: FastifyInstance;
  readonly admin: FastifyInstance;
  readonly logger: Logger;
  readonly usage: UsageRecorder;
  readonly control: ControlPlane;
  /** Dependency health: register more with `health.register(...)` (shown in /healthz and metrics). */
  readonly health: DependencyRegistry;
  readonly limiter: Limiter;
  /** Resolves once storage is open and the first snapshot is loaded (listen() waits for it). */
  readonly ready: Promise<void>;
  /** The store (after `ready`). */
  readonly store: ControlStore;
  /** The admin key's plaintext when this start generated it; print it once. */
  readonly generatedAdminKey: string | undefined;
  /** Admin-issued AWS key pairs, for the inbound SigV4 verifier. */
  readonly awsAccessKeys: AwsAccessKeyLookup;
  /** Provider runtimes of the current snapshot. */
  readonly providers: ReadonlyMap<string, ProviderRuntime>;
  readonly pairCache: PairCache;
  readonly metrics: GatewayMetrics;
  readonly openapi: OpenApiRegistry;
  readonly tracing?: Tracing;
  /**
   * Graceful stop: readiness turns false, listeners stop accepting, in-flight requests and
   * streams get up to `timeoutMs` to finish (then their connections are cut), usage is
   * flushed, pools close. Resolves `true` when everything finished within the deadline.
   */
  shutdown(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** How long an admin request or a poll waits on the database before answering 503 / retrying. */
const DATABASE_TIMEOUT_MS = 2000;

/** Builds the proxy and admin servers without listening (tests listen on port 0). */
export function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger();
  const env = options.env ?? process.env;
  const tracing = options.tracing;
  const http = new HttpClient({ tracing, maxBufferedBytes: config.server.max_buffered_upstream_bytes });
  // Providers come from the control plane's snapshot (config file + database) once ready.
  const router = new Router(config, new Map());
  // A model billed $0 by accident is worse than a noisy start: say so once, naming the aliases.
  const unpriced = unpricedAliases(config.models.values());
  if (unpriced.length > 0)
    logger.warn(
      { models: unpriced },
      'models without a price (no alias price and no list price for the target): their usage is recorded at $0',
    );
  for (const past of pastEndOfLife(config.models.values(), Date.now()))
    logger.warn(past, 'model past its AWS end-of-life date: Bedrock refuses calls to it; move the alias to a current model');
  const pairCache = createPairCache(config, logger);
  const limiter: Limiter = config.storage.redis_url
    ? new RedisLimiter(config.storage.redis_url, logger, {
        prefix: config.storage.redis_prefix,
        commandTimeoutMs: config.storage.redis_limits_timeout_ms,
      })
    : new MemoryLimiter();
  const box = new SecretBox(loadSecretKey(config.storage.data_dir, env));

  const health = new DependencyRegistry(logger);
  let rawStore: ControlStore | undefined;
  let store: GuardedStore | undefined;
  // Every record is journaled in the data dir before its response ends, then written in batches.
  const journalDir = join(config.storage.data_dir, 'usage-journal');
  const journal = new UsageJournal({
    dir: journalDir,
    maxBytes: config.storage.usage_journal.max_bytes,
    fsyncIntervalMs: config.storage.usage_journal.fsync_interval_ms,
  });
  const replay = journal.backlog();
  if (replay.records > 0) logger.info({ records: replay.records, dir: journalDir }, 'usage journal: writing records left by the last run');
  const usage = new UsageRecorder({
    store: {
      insertBatch: async (records) => {
        await ready;
        return need(rawStore).insertBatch(records);
      },
    },
    journal,
    onError: (err) => logger.error({ err, journaled: journal.backlog().records }, 'writing usage records failed: they stay in the journal'),
  });
  let maintenance: UsageMaintenance | undefined;
  let adminKey: AdminKey | undefined;
  let bus: RedisChangeBus | undefined;
  let stopping = false;
  let reconnect: NodeJS.Timeout | undefined;
  const control = new ControlPlane(config, { box, http, router, limiter, logger, dataDir: config.storage.data_dir });
  const postgres = isPostgresUrl(config.storage.database_url);
  // Admin key from the environment works without the database (the admin API can then say 503).
  if (env.RANKWAY_ADMIN_KEY) adminKey = { hash: Buffer.from(sha256Hex(env.RANKWAY_ADMIN_KEY), 'hex') };

  const attach = async (opened: ControlStore): Promise<void> => {
    rawStore = opened;
    store = withDeadline(opened, DATABASE_TIMEOUT_MS);
    adminKey ??= await resolveAdminKey(store, env);
    control.attach(store);
    await control.refresh();
    // Retention and the legacy-table move run on the raw store: their batches may outlast the admin deadline.
    maintenance ??= new UsageMaintenance(opened, { retentionDays: config.storage.usage_retention_days, logger });
    maintenance.start();
    // The console's indexes: instant on a new database, seconds on millions of rows, so never in the way of start-up.
    setTimeout(() => {
      opened.console.ensureIndexes().catch((err) => logger.warn({ err }, 'building the console indexes failed; the next start retries'));
    }, 1000).unref();
    refuseUnreadableSecrets(control, env);
  };
  /** PostgreSQL unreachable: try again with backoff until it answers, then catch up. */
  const retryOpen = (delayMs: number): void => {
    reconnect = setTimeout(async () => {
      try {
        const opened = await openControlStore(config.storage);
        if (stopping) return void (await opened.close());
        await attach(opened);
        if (store) await startLab?.(store, true);
        logger.info({ version: control.current.version }, 'database reachable: snapshot caught up');
      } catch {
        if (!stopping) retryOpen(Math.min(delayMs * 2, 10_000));
      }
    }, delayMs);
    reconnect.unref();
  };
  let startLab: ((s: GuardedStore, shared: boolean) => Promise<void>) | undefined;
  const ready = (async () => {
    if (limiter instanceof RedisLimiter) limiter.useSeeder(() => control.budgetSpend());
    try {
      await attach(await openControlStore(config.storage));
    } catch (err) {
      // SQLite that cannot open is a broken data dir: fail. PostgreSQL may just be down.
      if (!postgres || !isConnectionFailure(err)) throw err;
      // Without a saved snapshot nothing is known of the stored keys and models: serving the
      // config file alone would refuse every stored key, so a first start fails clearly instead.
      if (!control.restore()) throw err;
      logger.warn(
        { version: control.current.version },
        'database unreachable at start: serving the config file and the last saved snapshot',
      );
      retryOpen(1000);
    }
    control.start(options.refreshIntervalMs);
    void usage.flush();
    if (store) await startLab?.(store, postgres);
    if (config.storage.redis_url) {
      bus = new RedisChangeBus(config.storage.redis_url, config.storage.redis_prefix, (version) => control.notify(version), logger);
      control.onLocalChange = (change) => bus?.publish(change);
    }
    if (limiter instanceof RedisLimiter && !(await limiter.connected(2000))) {
      logger.warn('Redis not reachable at start: rate limits are per instance until it is');
    }
    await health.probe();
    health.start();
  })();
  ready.catch(() => undefined);
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('gateway not ready');
    return value;
  };
  /** Interrupted runs marked, calibrations loaded (and re-read for other instances' fits), today's shadow spend seeded. */
  let calibrationPoll: NodeJS.Timeout | undefined;
  startLab = async (s: GuardedStore, shared: boolean): Promise<void> => {
    const today = new Date().toISOString().slice(0, 10);
    const load = async () => calibrations.replace(latestCalibrations(await s.lab.listCalibrations()));
    try {
      await evalRuns.recover(shared);
      await load();
      shadow.seed(await s.lab.shadowDays(today, today));
    } catch (err) {
      logger.warn({ err }, 'Rerank Lab state not loaded at start');
    }
    if (shared && calibrationPoll === undefined) {
      calibrationPoll = setInterval(() => void load().catch(() => undefined), 30_000);
      calibrationPoll.unref();
    }
  };
  const database = (): GuardedStore => {
    if (!store) throw new StoreUnavailableError('not connected');
    return store;
  };
  health.register({
    name: 'database',
    async probe() {
      if (!store) return { up: false, detail: 'not connected' };
      if (store.stuck > 0) return { up: false, detail: 'not answering' };
      return (await store.ping()) ? { up: true, detail: store.backend } : { up: false, detail: 'unreachable' };
    },
  });
  if (config.storage.redis_url) health.register(redisDependency(config.storage.redis_url));

  const limits = new LimitEnforcer(limiter);
  // Label values are checked against the current routing table: configured names only.
  const metrics = new GatewayMetrics({
    names: () => router.current,
    dependencies: () => health.current(),
    providerLoad: () =>
      [...router.current.providers.values()].map((p) => ({
        provider: p.name,
        inFlight: p.concurrency.inUse,
        queued: p.concurrency.waiting,
      })),
    bufferedUpstreamBytes: () => http.buffered.inUse,
    limitsShared: () => limiter.shared,
  });
  registerUsageMetrics(metrics.registry, () => usage.backlog());
  // Rerank Lab on live traffic: shadow models, traffic splits and their feedback, calibrated scores.
  const labMetrics = new LabMetrics(metrics.registry);
  const labAggregates = new LabAggregates(() => (store ? store.lab : undefined), logger);
  const calibrations = new CalibrationTable();
  const feedback = new FeedbackLedger({ metrics: labMetrics, aggregates: labAggregates });
  const shadow: ShadowTraffic = new ShadowTraffic({
    rank: (model, request, ctx) => rerank.rankShadow(model, request, ctx),
    estimate: (model, request) => rerank.shadowWorstCase(model, request),
    metrics: labMetrics,
    aggregates: labAggregates,
    recordUsage: (ctx, status, ms) => usage.record(ctx, status, ms),
  });
  const rerank: RerankService = new RerankService(router, pairCache, {
    shadow,
    feedback,
    calibrations,
    metrics: labMetrics,
    aggregates: labAggregates,
  });
  const observers: RequestObserver[] = [limits, metrics];
  if (options.accessLog !== false) observers.push(accessLog(logger));

  const authenticator = new KeyringAuthenticator(() => control.current.keyring, config.server.auth === 'keys');
  const awsAccessKeys: AwsAccessKeyLookup = {
    find: (accessKeyId) => (control.loaded ? control.current.awsAccessKeys.get(accessKeyId) : undefined),
  };
  const sigv4 = new SigV4CallerAuthenticator(sigV4Directory(awsAccessKeys));
  const openapi = new OpenApiRegistry();
  const logPayloads = config.server.log_payloads || env.LOG_PAYLOADS === '1';
  const proxy = buildProxyServer({ config, logger, authenticator, observers, usage, sigv4, limits, tracing, logPayloads });
  const routing = () => router.current;
  const onProxy: SurfaceEnv = { logger, maxJsonDepth: config.server.max_json_depth, openapi };
  mountSurface(proxy, rerankSurface, { config, rerank, feedback }, onProxy);
  for (const dialect of dialectSurfaces) mountSurface(proxy, dialect, { config, rerank }, onProxy);
  const chat = new ChatService(router, config.server.max_stream_event_bytes);
  mountSurface(proxy, openAiSurface, { routing, chat, embeddings: new EmbeddingsService(router) }, onProxy);
  mountSurface(proxy, imagesSurface, { images: new ImagesService(router) }, onProxy);
  mountSurface(proxy, videosSurface, { videos: new VideoService(router), routing }, onProxy);
  const batches = new BatchService({ router, store: () => need(store).batches, parseLine: parseBatchLine, render: renderBatchResult });
  // OpenAI's own limit for batch files is 200 MB.
  const maxFileBytes = Math.max(config.server.body_limit_bytes, 200 * 1024 * 1024);
  mountSurface(proxy, batchSurface, { batches, maxFileBytes }, onProxy);
  mountSurface(proxy, bedrockSurface, { config, rerank, routing }, onProxy);
  mountSurface(proxy, bedrockRuntimeSurface, { config, routing }, onProxy);
  mountSurface(proxy, openApiSurface, { registry: openapi }, onProxy);
  proxy.addHook('onReady', () => ready);

  let draining = false;
  const admin = buildAdminServer({ logger, maxJsonDepth: config.server.max_json_depth });
  const adminDeps = () => {
    const s = database();
    return { store: s, control, box, adminKey: need(adminKey), logger };
  };
  const onAdmin: SurfaceEnv = {
    logger,
    maxJsonDepth: config.server.max_json_depth,
    openapi,
    // The role table: the admin key, or a caller key for the routes its role allows.
    adminAuth: (request) => authorizeAdminRequest(request, adminDeps),
  };
  mountSurface(
    admin,
    healthSurface,
    {
      readiness: async () => {
        const checks: Record<string, string> = {
          config: control.loaded ? 'ok' : 'not loaded',
          // The keys and models stored in the database: from it, or from the last saved copy.
          snapshot: control.source === 'database' ? 'ok' : control.source === 'saved' ? 'ok (saved copy)' : 'not loaded',
          listeners: proxy.server.listening ? 'ok' : 'not listening',
          secrets: control.undecryptable.length === 0 ? 'ok' : `${control.undecryptable.length} stored secret(s) sealed under another key`,
          // Only near its cap: a store outage alone is absorbed by the journal.
          usage_journal: usage.nearCap() ? 'near its cap' : 'ok',
        };
        if (config.server.strict_readiness) {
          for (const d of await health.probe()) checks[d.name] = d.up ? 'ok' : (d.detail ?? 'down');
        }
        return { ready: Object.values(checks).every((c) => c.startsWith('ok')), checks };
      },
      health: () => health.probe(),
      metrics: () => metrics.render(),
      draining: () => draining,
    },
    onAdmin,
  );
  // Rerank Lab: evaluation runs call the proxy in-process, so they take the callers' path.
  const evals = () => need(store).evals;
  const evalRuns = new EvalRunService(evals, proxy as unknown as Injector, logger);
  const lab = {
    store: () => need(store).lab,
    aliases: () => router.aliases,
    flush: () => labAggregates.flush(),
    table: calibrations,
    resolve: (model: string) => {
      try {
        return router.route(model, 'rerank').targets[0].label;
      } catch {
        return undefined;
      }
    },
  };
  mountSurface(admin, adminSurface, { admin: adminDeps, evals, evalRuns, lab, proxy: () => proxy as unknown as Injector }, onAdmin);
  registerConsoleStatic(admin);
  admin.addHook('onReady', () => ready);

  let stopped: Promise<boolean> | undefined;
  const shutdown = (timeoutMs: number): Promise<boolean> => {
    stopped ??= (async () => {
      draining = true;
      stopping = true;
      clearTimeout(reconnect);
      await control.stop();
      bus?.close();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      // Keep-alive connections whose request finished would hold close() open: drop them as they go idle.
      const reaper = setInterval(() => proxy.server.closeIdleConnections?.(), 50);
      const drained = await Promise.race([proxy.close().then(() => true as const), deadline]);
      clearTimeout(timer);
      clearInterval(reaper);
      if (!drained) {
        logger.warn({ timeoutMs }, 'shutdown deadline passed: closing connections with requests still in flight');
        proxy.server.closeAllConnections();
        await http.destroy();
      }
      await admin.close();
      await ready.catch(() => undefined);
      evalRuns.stop();
      clearInterval(calibrationPoll);
      await labAggregates.close();
      await maintenance?.stop();
      const left = await usage.close();
      if (left.unjournaled > 0) logger.error({ lost: left.unjournaled }, 'usage records neither journaled (disk failing) nor stored: lost');
      if (left.records > 0) {
        logger.warn(
          { journaled: left.records, bytes: left.bytes, dir: journalDir },
          'usage records not yet in the database stay in the journal; the next start writes them',
        );
      }
      await http.close().catch(() => undefined);
      await pairCache.close();
      await limiter.close();
      await health.close();
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
      await rawStore?.close();
      return drained;
    })();
    return stopped;
  };

  return {
    config,
    proxy,
    admin,
    logger,
    usage,
    limiter,
    ready,
    pairCache,
    awsAccessKeys,
    metrics,
    openapi,
    tracing,
    shutdown,
    control,
    health,
    get store() {
      return need(store);
    },
    get generatedAdminKey() {
      return adminKey?.generated;
    },
    get providers() {
      return router.current.providers;
    },
    async close() {
      await shutdown(config.server.shutdown_timeout_ms);
    },
  };
}

/**
 * Key pairs SigV4 callers sign with: those in the config file and those issued through the
 * admin API, both from the current snapshot. A disabled or expired pair is unknown here.
 */
function sigV4Directory(keys: AwsAccessKeyLookup): AwsCallerKeyDirectory {
  return {
    find(accessKeyId) {
      const key = keys.find(accessKeyId);
      if (!key || key.disabled || (key.expiresAt !== undefined && key.expiresAt <= Date.now())) return undefined;
      return {
        accessKeyId,
        secretAccessKey: key.secretAccessKey,
        name: key.caller.name,
        allowedModels: key.caller.allowedModels,
        caller: key.caller,
      };
    },
  };
}

/**
 * Stored secrets this key cannot open would otherwise vanish (callers would see 404
 * model_not_found): refuse to start, unless the operator opts to start without them.
 */
function refuseUnreadableSecrets(control: ControlPlane, env: NodeJS.ProcessEnv): void {
  const rows = control.unreadableSecrets;
  if (rows.length === 0 || env.RANKWAY_ALLOW_UNREADABLE_SECRETS === '1') return;
  const shown = rows.slice(0, 5).join(', ') + (rows.length > 5 ? ` and ${rows.length - 5} more` : '');
  throw new Error(
    `${rows.length} stored secret(s) cannot be decrypted (${shown}): ${UNREADABLE_HINT} (RANKWAY_ALLOW_UNREADABLE_SECRETS=1 starts without them)`,
  );
}
