#!/usr/bin/env node
import { buildGateway } from './app.js';
import { banner } from './banner.js';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/interpolate.js';
import { ConfigReloader } from './control/hot-reload.js';
import { checkListenPolicy } from './server/listen-policy.js';
import { createLogger } from './observability/log.js';
import { tracingFromEnv } from './observability/tracing-env.js';

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

  const gateway = buildGateway(config, { logger, tracing: await tracingFromEnv() });
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
      process.exit(130);
    }
    stopping = true;
    const timeoutMs = config.server.shutdown_timeout_ms;
    logger.info({ signal, timeoutMs }, 'shutting down: draining in-flight requests');
    reloader.close();
    gateway.shutdown(timeoutMs).then(
      (drained) => {
        logger.info({ drained }, drained ? 'shutdown complete' : 'shutdown complete after cutting requests at the deadline');
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

if (process.argv[2] === 'eval') void import('./cli/eval.js').then(({ runEvalCommand }) => runEvalCommand(process.argv.slice(3))).then((code) => process.exit(code));
else main().catch((err) => {
  process.stderr.write(`rankway: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
