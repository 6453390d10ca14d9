import type { FastifyInstance } from 'fastify';
import { bedrockRoutes } from './api/bedrock/routes.js';
import { bedrockRuntimeRoutes } from './api/bedrock-runtime/routes.js';
import { registerOpenAiRoutes } from './api/openai/routes.js';
import { registerDialects } from './api/dialects/index.js';
import { registerRerankRoutes } from './api/rerank/routes.js';
import { allowAll, StaticKeyAuthenticator, type CallerAuthenticator } from './auth/inbound/authenticator.js';
import { configAwsKeys, SigV4CallerAuthenticator } from './auth/inbound/sigv4-caller.js';
import type { GatewayConfig } from './config/load.js';
import { ChatService } from './core/chat/service.js';
import { EmbeddingsService } from './core/embeddings/service.js';
import { createPairCache, type PairCache } from './core/cache/index.js';
import { RerankService } from './core/rerank/service.js';
import { Router } from './core/router.js';
import { ProviderRuntime } from './core/upstream.js';
import { accessLog } from './observability/access-log.js';
import { createLogger, type Logger } from './observability/log.js';
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
  close(): Promise<void>;
}

/** Builds the proxy and admin servers without listening (tests listen on port 0). */
export function buildGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger();
  const http = new HttpClient();
  const providers = new Map<string, ProviderRuntime>();
  for (const p of config.providers.values()) providers.set(p.name, new ProviderRuntime(p, http));
  const router = new Router(config, providers);
  const pairCache = createPairCache(config, logger);
  const rerank = new RerankService(router, pairCache);

  const db = openSqlite(config.storage.data_dir);
  const usage = new UsageRecorder(new SqliteUsageStore(db), (err) => logger.error({ err }, 'writing usage records failed'));
  const observers: RequestObserver[] = [usage];
  if (options.accessLog !== false) observers.push(accessLog(logger));

  const authenticator: CallerAuthenticator =
    config.server.auth === 'keys' ? new StaticKeyAuthenticator(config.server.keys) : allowAll;
  const sigv4 = config.server.aws_access_keys.length > 0 ? new SigV4CallerAuthenticator(configAwsKeys(config.server.aws_access_keys)) : undefined;
  const proxy = buildProxyServer({ config, logger, authenticator, observers, sigv4 });
  registerRerankRoutes(proxy, { config, rerank });
  void proxy.register(bedrockRoutes, { config, rerank, logger });
  registerOpenAiRoutes(proxy, { config, chat: new ChatService(router), embeddings: new EmbeddingsService(router), logger });
  void proxy.register(bedrockRuntimeRoutes, { config, providers, logger });
  registerDialects(proxy, { config, rerank, logger });

  const admin = buildAdminServer({
    readiness: async () => ({ database: isDatabaseReachable(db), config: true }),
  });

  let closed = false;
  return {
    config,
    proxy,
    admin,
    logger,
    db,
    usage,
    providers,
    pairCache,
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([proxy.close(), admin.close()]);
      await usage.close();
      await http.close();
      await pairCache.close();
      db.close();
    },
  };
}

function isDatabaseReachable(db: SqliteDatabase): boolean {
  try {
    db.prepare('SELECT 1').get();
    return true;
  } catch {
    return false;
  }
}
