// Rankway with every feature on: caller keys, a rate limit on the key path, usage recording
// to SQLite, access logs (to /dev/null, formatted all the same), metrics.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildGateway } from '../src/app.js';
import { sha256Hex } from '../src/auth/inbound/authenticator.js';
import { buildConfig } from '../src/config/load.js';
import { PROVIDER_TYPES } from '../src/providers/registry.js';
import { createLogger } from '../src/observability/log.js';
import { serveUsage } from './child.js';

export const BENCH_KEY = 'rk-bench-key';
const upstream = process.env.UPSTREAM_URL!;
const dataDir = mkdtempSync(join(tmpdir(), 'rankway-bench-'));
// Chat joins the benchmark once a provider type that serves chat exists in this build.
const chatType = ['openai', 'openai-compatible'].find((t) => (PROVIDER_TYPES.get(t)?.create as unknown) !== undefined && hasChat(t));
function hasChat(type: string): boolean {
  try {
    const def = PROVIDER_TYPES.get(type)!;
    const adapter = def.create(def.configSchema.parse({ name: 'probe', type, api_key: 'x', base_url: upstream }) as never);
    return (adapter.capabilities as Record<string, unknown>).chat !== undefined;
  } catch {
    return false;
  }
}
// OpenAI-style base URLs end in /v1 (the chat path is appended to it).
const chatProviders = chatType
  ? [{ name: 'oai', type: chatType, api_key: 'bench-upstream-key', base_url: `${upstream}/v1`, max_concurrency: 128 }]
  : [];
const chatModels = chatType ? [{ name: 'chat', target: 'oai/gpt-4o-mini' }] : [];

const config = buildConfig(
  {
    server: {
      port: 0,
      // The 10,000-document scenario: every document in one request (chunked upstream by 1,000).
      max_documents: 10_000,
      body_limit_bytes: 64 * 1024 * 1024,
      admin_port: 0,
      auth: process.env.BENCH_FEATURES === 'off' ? 'none' : 'keys',
      keys: [{ name: 'bench', key_sha256: sha256Hex(BENCH_KEY), allowed_models: ['search', 'local/*', 'chat', 'cohere/*'] }],
    },
    storage: { data_dir: dataDir },
    providers: [
      {
        name: 'cohere',
        type: 'cohere',
        api_key: 'bench-upstream-key',
        base_url: upstream,
        max_documents_per_request: 1000,
        max_concurrency: 128,
        // A real limit far above what this machine reaches (the window keeps one slot per allowed call).
        requests_per_minute: 1_000_000,
      },
      ...chatProviders,
    ],
    models: [{ name: 'search', target: 'cohere/rerank-v3.5', price: { per_1k_search_units: 2 } }, ...chatModels],
  },
  { env: {} },
);
const logger = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });
const gateway = buildGateway(config, { logger, env: {}, accessLog: process.env.BENCH_FEATURES !== 'off' });
const address = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
await gateway.admin.listen({ host: '127.0.0.1', port: 0 });
serveUsage(Number(new URL(address).port));
