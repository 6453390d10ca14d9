// Rankway for the shadow scenario: one alias on the fake upstream, shadowed to a second
// provider (the same fake, another name) at SHADOW_RATE (0 = no shadow). Writes its admin URL
// to SHADOW_ADMIN_FILE so the runner can read /metrics.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildGateway } from '../src/app.js';
import { buildConfig } from '../src/config/load.js';
import { createLogger } from '../src/observability/log.js';
import { serveUsage } from './child.js';

const upstream = process.env.UPSTREAM_URL!;
const rate = Number(process.env.SHADOW_RATE ?? 0);
const provider = (name: string) => ({
  name,
  type: 'cohere',
  api_key: 'bench-upstream-key',
  base_url: upstream,
  max_documents_per_request: 1000,
  max_concurrency: 128,
});
const config = buildConfig(
  {
    server: { port: 0, admin_port: 0 },
    storage: { data_dir: mkdtempSync(join(tmpdir(), 'rankway-bench-shadow-')) },
    providers: [provider('cohere'), provider('candidate')],
    models: [
      {
        name: 'search',
        target: 'cohere/rerank-v3.5',
        price: { per_1k_search_units: 2 },
        // Every request reaches the upstream, as the shadow's do (it never uses the pair cache).
        cache: 'off',
        ...(rate > 0 ? { shadow: { model: 'candidate/rerank-v3.5', sample_rate: rate, max_qps: 1000, daily_cost_cap: 1000 } } : {}),
      },
    ],
  },
  { env: {} },
);
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
const gateway = buildGateway(config, { logger, env: {}, accessLog: true });
const address = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
const admin = await gateway.admin.listen({ host: '127.0.0.1', port: 0 });
if (process.env.SHADOW_ADMIN_FILE) writeFileSync(process.env.SHADOW_ADMIN_FILE, admin);
serveUsage(Number(new URL(address).port));
