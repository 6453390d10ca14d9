import { buildGateway, type Gateway } from '../app.js';
import { banner } from '../banner.js';
import type { GatewayConfig } from '../config/load.js';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/interpolate.js';
import { ConfigReloader } from '../control/hot-reload.js';
import { checkListenPolicy } from '../server/listen-policy.js';
import { createLogger, type Logger } from '../observability/log.js';
import { tracingFromEnv } from '../observability/tracing-env.js';
import type { GlobalOptions } from './args.js';
import { step } from './start-errors.js';

/**
 * `rankway` / `rankway serve`: loads the config, opens storage, listens, and drains on
 * SIGTERM/SIGINT. Resolves with an exit code only for a refused config; once listening the
 * process lives until a signal ends it. Other start-up failures throw a `StartupFailure`.
 */
export async function runServe(options: GlobalOptions): Promise<number> {
  const logger = createLogger();
  let config: GatewayConfig;
  try {
    config = loadConfig({ file: options.config, argv: [] });
    checkListenPolicy(config.server);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`rankway: ${err.message}\n`);
    return 2;
  }

  const tracing = await step('starting tracing', () => tracingFromEnv());
  const gateway = await step('preparing the data dir, keys and listeners', () => buildGateway(config, { logger, tracing }));
  try {
    await step(storageStep(config), () => gateway.ready);
    const proxyAddress = await step(`listening on ${config.server.host}:${config.server.port} (proxy API; server.port or PORT)`, () =>
      gateway.proxy.listen({ host: config.server.host, port: config.server.port }),
    );
    const adminAddress = await step(
      `listening on ${config.server.admin_host}:${config.server.admin_port} (admin API; server.admin_port or ADMIN_PORT)`,
      () => gateway.admin.listen({ host: config.server.admin_host, port: config.server.admin_port }),
    );
    const port = (a: string): number => Number(new URL(a).port);
    process.stdout.write(banner(config, { proxy: port(proxyAddress), admin: port(adminAddress) }) + '\n');
  } catch (err) {
    // Release what was opened (database handles, pools) so the failure exits promptly.
    await gateway.shutdown(1000).catch(() => undefined);
    throw err;
  }
  if (gateway.generatedAdminKey) {
    process.stdout.write(
      `  admin key   ${gateway.generatedAdminKey}\n` +
        '              shown once: only its hash is stored (set RANKWAY_ADMIN_KEY to choose your own)\n\n',
    );
  }
  handleSignals(gateway, config, logger, options);
  return new Promise<number>(() => undefined);
}

/** What opening storage means for this config, without the database URL's credentials. */
function storageStep(config: GatewayConfig): string {
  const url = config.storage.database_url;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    try {
      const u = new URL(url);
      return `connecting to PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname} (storage.database_url or DATABASE_URL)`;
    } catch {
      return 'connecting to PostgreSQL (storage.database_url or DATABASE_URL)';
    }
  }
  return `opening the embedded database in ${config.storage.data_dir} (storage.data_dir or RANKWAY_DATA_DIR)`;
}

function handleSignals(gateway: Gateway, config: GatewayConfig, logger: Logger, options: GlobalOptions): void {
  const reloader = new ConfigReloader(gateway.control, () => loadConfig({ file: options.config, argv: [] }), logger);
  if (config.source) reloader.watch(config.source);
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    const timeoutMs = config.server.shutdown_timeout_ms;
    logger.info({ signal, timeoutMs }, 'shutting down: draining in-flight requests');
    reloader.close();
    gateway.shutdown(timeoutMs).then(
      (drained) => {
        // Records the database did not take are durable in the journal; say how many.
        const usageJournaled = gateway.usage.backlog().records;
        logger.info(
          { drained, usageJournaled },
          drained ? 'shutdown complete' : 'shutdown complete after cutting requests at the deadline',
        );
        logger.flush();
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'error during shutdown');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
