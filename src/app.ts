import type { FastifyInstance } from 'fastify';
import { registerAdminApi } from './api/admin/routes.js';
import { bedrockRoutes, describeBedrockRerankRoutes, describeKnowledgeBaseRoutes } from './api/bedrock/routes.js';
import { bedrockRuntimeRoutes, describeBedrockRuntimeRoutes } from './api/bedrock-runtime/routes.js';
import { registerOpenAiRoutes } from './api/openai/routes.js';
import { describeImageRoutes, imageRoutes } from './api/openai/images.js';
import { ImagesService } from './core/images/service.js';
import { unpricedAliases } from './core/pricing.js';
import { describeVideoRoutes, videoRoutes } from './api/openai/videos.js';
import { VideoService } from './core/video/service.js';
import { describeDialects, registerDialects } from './api/dialects/index.js';
import { OpenApiRegistry } from './api/openapi/registry.js';
import { registerOpenApiRoute } from './api/openapi/route.js';
import { registerRerankRoutes } from './api/rerank/routes.js';
import { resolveAdminKey, type AdminKey } from './auth/inbound/admin-key.js';
import { KeyringAuthenticator } from './auth/inbound/authenticator.js';
import type { AwsAccessKeyLookup } from './auth/inbound/aws-access-keys.js';
import { SigV4CallerAuthenticator, type AwsCallerKeyDirectory } from './auth/inbound/sigv4-caller.js';
import { loadSecretKey, SecretBox } from './auth/secrets/secret-box.js';
import type { GatewayConfig } from './config/load.js';
import { RedisChangeBus } from './control/change-bus.js';
import { ControlPlane } from './control/control-plane.js';
import { ChatService } from './core/chat/service.js';
import { EmbeddingsService } from './core/embeddings/service.js';
import { createPairCache, type PairCache } from './core/cache/index.js';
import { LimitEnforcer } from './core/limits/enforce.js';
import { MemoryLimiter } from './core/limits/memory.js';
import { RedisLimiter } from './core/limits/redis.js';
import type { Limiter } from './core/limits/types.js';
import { RerankService } from './core/rerank/service.js';
import { Router } from './core/router.js';
import type { ProviderRuntime } from './core/upstream.js';
import { accessLog } from './observability/access-log.js';
import { redisCheck, runChecks, type ReadinessCheck } from './observability/health.js';
import { createLogger, type Logger } from './observability/log.js';
import { GatewayMetrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { buildAdminServer } from './server/admin.js';
import { buildProxyServer, type RequestObserver } from './server/proxy.js';
import type { ControlStore } from './store/control.js';
import { openControlStore } from './store/open.js';
import { UsageRecorder } from './store/usage.js';
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

/** Builds the proxy and admin servers without listening (tests listen on port 0). */
export function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger();
  const env = options.env ?? process.env;
  const tracing = options.tracing;
  const http = new HttpClient({ tracing });
  // Providers come from the control plane's snapshot (config file + database) once ready.
  const router = new Router(config, new Map());
  // A model billed $0 by accident is worse than a noisy start: say so once, naming the aliases.
  const unpriced = unpricedAliases(config.models.values());
  if (unpriced.length > 0) logger.warn({ models: unpriced }, 'models without a price (no alias price and no list price for the target): their usage is recorded at $0');
  const pairCache = createPairCache(config, logger);
  const rerank = new RerankService(router, pairCache);
  const limiter: Limiter = config.storage.redis_url ? new RedisLimiter(config.storage.redis_url, logger, config.storage.redis_prefix) : new MemoryLimiter();
  const box = new SecretBox(loadSecretKey(config.storage.data_dir, env));

  let store: ControlStore | undefined;
  let adminKey: AdminKey | undefined;
  let control: ControlPlane | undefined;
  let bus: RedisChangeBus | undefined;
  const ready = (async () => {
    store = await openControlStore(config.storage);
    adminKey = await resolveAdminKey(store, env);
    control = new ControlPlane(config, { store, box, http, router, limiter, logger });
    await control.refresh(true);
    control.start(options.refreshIntervalMs);
    if (config.storage.redis_url) {
      const plane = control;
      bus = new RedisChangeBus(config.storage.redis_url, config.storage.redis_prefix, () => void plane.refresh().catch(() => undefined), logger);
      control.onLocalChange = () => bus?.publish();
    }
    if (limiter instanceof RedisLimiter && !(await limiter.connected(2000))) {
      logger.warn('Redis not reachable at start: rate limits are per instance until it is');
    }
  })();
  ready.catch(() => undefined);
  const need = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('gateway not ready');
    return value;
  };

  const usage = new UsageRecorder(
    { insertBatch: async (records) => need(store).insertBatch(records) },
    (err) => logger.error({ err }, 'writing usage records failed'),
  );
  const limits = new LimitEnforcer(limiter);
  // Label values are checked against the current routing table: configured names only.
  const metrics = new GatewayMetrics({
    names: () => router.current,
    providerLoad: () => [...router.current.providers.values()].map((p) => ({ provider: p.name, inFlight: p.concurrency.inUse, queued: p.concurrency.waiting })),
  });
  const observers: RequestObserver[] = [usage, limits, metrics];
  if (options.accessLog !== false) observers.push(accessLog(logger));

  const authenticator = new KeyringAuthenticator(() => need(control).current.keyring, config.server.auth === 'keys');
  const awsAccessKeys: AwsAccessKeyLookup = { find: (accessKeyId) => control?.current.awsAccessKeys.get(accessKeyId) };
  const sigv4 = new SigV4CallerAuthenticator(sigV4Directory(awsAccessKeys));
  const openapi = new OpenApiRegistry();
  const logPayloads = config.server.log_payloads || env.LOG_PAYLOADS === '1';
  const proxy = buildProxyServer({ config, logger, authenticator, observers, sigv4, limits, tracing, logPayloads });
  registerRerankRoutes(proxy, { config, rerank, openapi });
  void proxy.register(bedrockRoutes, { config, rerank, logger, routing: () => router.current });
  describeBedrockRerankRoutes(openapi);
  describeKnowledgeBaseRoutes(openapi);
  registerOpenAiRoutes(proxy, { config, routing: () => router.current, chat: new ChatService(router), embeddings: new EmbeddingsService(router), logger, openapi });
  void proxy.register(imageRoutes, { images: new ImagesService(router) });
  describeImageRoutes(openapi);
  void proxy.register(videoRoutes, { videos: new VideoService(router), routing: () => router.current });
  describeVideoRoutes(openapi);
  void proxy.register(bedrockRuntimeRoutes, { config, routing: () => router.current, logger });
  describeBedrockRuntimeRoutes(openapi);
  registerDialects(proxy, { config, rerank, logger });
  describeDialects(openapi);
  registerOpenApiRoute(proxy, openapi);
  proxy.addHook('onReady', () => ready);

  // Readiness: config loaded, the store (SQLite or PostgreSQL) answering, and Redis when configured.
  const checks: ReadinessCheck[] = [
    {
      name: 'config',
      check() {
        if (control === undefined) throw new Error('not loaded');
      },
    },
    {
      name: 'database',
      async check() {
        if (!store || !(await store.ping())) throw new Error('unreachable');
      },
    },
  ];
  if (config.storage.redis_url) checks.push(redisCheck(config.storage.redis_url));
  let draining = false;
  const admin = buildAdminServer({
    readiness: () => runChecks(checks),
    metrics: () => metrics.render(),
    draining: () => draining,
    openapi,
  });
  registerAdminApi(admin, {
    openapi,
    deps: () => ({ store: need(store), control: need(control), box, adminKey: need(adminKey), logger }),
  });
  admin.addHook('onReady', () => ready);

  let stopped: Promise<boolean> | undefined;
  const shutdown = (timeoutMs: number): Promise<boolean> => {
    stopped ??= (async () => {
      draining = true;
      control?.stop();
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
      await usage.close();
      await http.close().catch(() => undefined);
      await pairCache.close();
      await limiter.close();
      await Promise.allSettled(checks.map((c) => c.close?.()));
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
      await store?.close();
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
    get control() {
      return need(control);
    },
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
      return { accessKeyId, secretAccessKey: key.secretAccessKey, name: key.caller.name, allowedModels: key.caller.allowedModels, caller: key.caller };
    },
  };
}
