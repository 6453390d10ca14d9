import type { FastifyInstance } from 'fastify';
import { bedrockRoutes } from './api/bedrock/routes.js';
import { registerDialects } from './api/dialects/index.js';
import { registerOpenApiRoute } from './api/openapi/route.js';
import { OpenApiRegistry } from './api/openapi/registry.js';
import { describeOtherSurfaces } from './api/openapi/surfaces.js';
import { registerRerankRoutes } from './api/rerank/routes.js';
import { allowAll, StaticKeyAuthenticator, type CallerAuthenticator } from './auth/inbound/authenticator.js';
import { configAwsKeys, SigV4CallerAuthenticator } from './auth/inbound/sigv4-caller.js';
import type { GatewayConfig } from './config/load.js';
import { createPairCache, type PairCache } from './core/cache/index.js';
import { RerankService } from './core/rerank/service.js';
import { Router } from './core/router.js';
import { ProviderRuntime } from './core/upstream.js';
import { accessLog } from './observability/access-log.js';
import { postgresCheck, redisCheck, runChecks, type ReadinessCheck } from './observability/health.js';
import { createLogger, type Logger } from './observability/log.js';
import { GatewayMetrics } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { buildAdminServer } from './server/admin.js';
import { buildProxyServer, type RequestObserver } from './server/proxy.js';
import { openSqlite, type SqliteDatabase } from './store/sqlite/database.js';
import { SqliteUsageStore } from './store/sqlite/usage.js';
import { UsageRecorder } from './store/usage.js';
import { HttpClient } from './transport/http-client.js';

export interface GatewayOptions {
  readonly logger?: Logger;
  /** Log one line per request (on by default). */
  readonly accessLog?: boolean;
  /** Tracing (see `tracingFromEnv`); absent means off, with no cost per request. */
  readonly tracing?: Tracing;
  /** Environment for LOG_PAYLOADS (tests pass their own). */
  readonly env?: NodeJS.ProcessEnv;
}

/** Everything a running gateway holds; `close()` drains and releases it all. */
export interface Gateway {
  readonly config: GatewayConfig;
  readonly proxy: FastifyInstance;
  readonly admin: FastifyInstance;
  readonly logger: Logger;
  readonly db: SqliteDatabase;
  readonly usage: UsageRecorder;
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
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const tracing = options.tracing;
  const http = new HttpClient({ tracing });
  const providers = new Map<string, ProviderRuntime>();
  for (const p of config.providers.values()) providers.set(p.name, new ProviderRuntime(p, http));
  const router = new Router(config, providers);
  const pairCache = createPairCache(config, logger);
  const rerank = new RerankService(router, pairCache);

  const db = openSqlite(config.storage.data_dir);
  const usage = new UsageRecorder(new SqliteUsageStore(db), (err) => logger.error({ err }, 'writing usage records failed'));
  const metrics = new GatewayMetrics({
    aliases: config.models.keys(),
    providers: config.providers.keys(),
    providerLoad: () => [...providers.values()].map((p) => ({ provider: p.name, inFlight: p.concurrency.inUse, queued: p.concurrency.waiting })),
  });
  const observers: RequestObserver[] = [usage, metrics];
  if (options.accessLog !== false) observers.push(accessLog(logger));

  const authenticator: CallerAuthenticator =
    config.server.auth === 'keys' ? new StaticKeyAuthenticator(config.server.keys) : allowAll;
  const sigv4 = config.server.aws_access_keys.length > 0 ? new SigV4CallerAuthenticator(configAwsKeys(config.server.aws_access_keys)) : undefined;
  const openapi = new OpenApiRegistry();
  const logPayloads = config.server.log_payloads || env.LOG_PAYLOADS === '1';
  const proxy = buildProxyServer({ config, logger, authenticator, observers, sigv4, tracing, logPayloads });
  registerRerankRoutes(proxy, { config, rerank, openapi });
  void proxy.register(bedrockRoutes, { config, rerank, logger });
  registerDialects(proxy, { config, rerank, logger });
  describeOtherSurfaces(openapi);
  registerOpenApiRoute(proxy, openapi);

  const checks: ReadinessCheck[] = [
    { name: 'config', check: () => undefined },
    { name: 'database', check: () => void db.prepare('SELECT 1').get() },
  ];
  if (config.storage.database_url) checks.push(postgresCheck(config.storage.database_url));
  if (config.storage.redis_url) checks.push(redisCheck(config.storage.redis_url));

  let draining = false;
  const admin = buildAdminServer({
    readiness: () => runChecks(checks),
    metrics: () => metrics.render(),
    draining: () => draining,
    openapi,
  });

  let stopped: Promise<boolean> | undefined;
  const shutdown = (timeoutMs: number): Promise<boolean> => {
    stopped ??= (async () => {
      draining = true;
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
      await usage.close();
      await http.close().catch(() => undefined);
      await pairCache.close();
      await Promise.allSettled(checks.map((c) => c.close?.()));
      await tracing?.shutdown().catch((err: unknown) => logger.warn({ err }, 'flushing traces failed'));
      db.close();
      return drained;
    })();
    return stopped;
  };

  return {
    config,
    proxy,
    admin,
    logger,
    db,
    usage,
    providers,
    pairCache,
    metrics,
    openapi,
    tracing,
    shutdown,
    async close() {
      await shutdown(config.server.shutdown_timeout_ms);
    },
  };
}

