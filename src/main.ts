#!/usr/bin/env node
import { buildGateway } from './app.js';
import { banner } from './banner.js';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/interpolate.js';
import { ConfigReloader } from './control/hot-reload.js';
import { checkListenPolicy } from './server/listen-policy.js';
import { createLogger } from './observability/log.js';

async function main(): Promise<void> {
  const logger = createLogger();
  let config;
  try {
    config = loadConfig();
    checkListenPolicy(config.server);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rankway: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const gateway = buildGateway(config, { logger });
  const proxyAddress = await gateway.proxy.listen({ host: config.server.host, port: config.server.port });
  const adminAddress = await gateway.admin.listen({ host: config.server.admin_host, port: config.server.admin_port });
  const port = (a: string): number => Number(new URL(a).port);
  process.stdout.write(banner(config, { proxy: port(proxyAddress), admin: port(adminAddress) }) + '\n');
  if (gateway.generatedAdminKey) {
    process.stdout.write(
      `  admin key   ${gateway.generatedAdminKey}\n` +
        '              shown once: only its hash is stored (set RANKWAY_ADMIN_KEY to choose your own)\n\n',
    );
  }

  const reloader = new ConfigReloader(gateway.control, () => loadConfig(), logger);
  if (config.source) reloader.watch(config.source);
  process.on('SIGHUP', () => void reloader.reload('SIGHUP'));

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    reloader.close();
    gateway.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`rankway: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
