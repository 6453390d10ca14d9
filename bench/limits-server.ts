// A Rankway process for `npm run bench:limits`: one caller key carrying rpm, tpm and a budget
// (set far above what this machine reaches, so every request is admitted and accounted), with
// limits in process (no LIMITS_REDIS_URL) or shared through Redis.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildGateway } from '../src/app.js';
import { sha256Hex } from '../src/auth/inbound/authenticator.js';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/log.js';
import { serveUsage } from './child.js';
import { adminClient } from '../test/helpers/admin.js';

export const LIMITED_KEY = 'rk-bench-limited';
const ADMIN = 'rk-bench-admin';
const redisUrl = process.env.LIMITS_REDIS_URL;
const config = buildConfig(
  {
    server: { port: 0, admin_port: 0, auth: 'keys' },
    storage: {
      data_dir: mkdtempSync(join(tmpdir(), 'rankway-bench-limits-')),
      ...(redisUrl ? { redis_url: redisUrl, redis_prefix: process.env.LIMITS_PREFIX } : {}),
    },
    providers: [
      {
        name: 'cohere',
        type: 'cohere',
        api_key: 'bench-upstream-key',
        base_url: process.env.UPSTREAM_URL!,
        max_documents_per_request: 1000,
        max_concurrency: 128,
      },
    ],
    models: [{ name: 'search', target: 'cohere/rerank-v3.5', price: { per_1k_search_units: 2 } }],
  },
  { env: {} },
);
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
const gateway = buildGateway(config, { logger, env: { RANKWAY_ADMIN_KEY: ADMIN } });
const address = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
const admin = await gateway.admin.listen({ host: '127.0.0.1', port: 0 });
const created = await adminClient(admin, ADMIN).call('POST', '/admin/v1/apikeys', {
  key_hash: sha256Hex(LIMITED_KEY),
  rpm: 100_000_000,
  tpm: 1_000_000_000_000,
  budget: { usd: 1_000_000, period: 'day' },
});
if (created.status !== 201) throw new Error(`creating the bench key failed: ${created.status} ${created.text}`);
await gateway.control.refresh();
serveUsage(Number(new URL(address).port));
