import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway, type Gateway, type GatewayOptions } from '../../src/app.js';
import { buildConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/log.js';
import { tracingFromEnv } from '../../src/observability/tracing-env.js';

export interface RunningGateway {
  readonly gateway: Gateway;
  /** Base URL of the proxy API. */
  readonly url: string;
  /** Base URL of the admin API. */
  readonly adminUrl: string;
  readonly dataDir: string;
  /** POST JSON to the proxy and read the answer. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; json: any }>;
  close(): Promise<void>;
}

/**
 * Starts a real gateway on 127.0.0.1 port 0 from a config object (as the YAML would be),
 * with its data in a fresh temporary directory.
 */
export async function startGateway(
  rawConfig: Record<string, any> = {},
  env: NodeJS.ProcessEnv = {},
  options: GatewayOptions = {},
): Promise<RunningGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rankway-test-'));
  const raw = {
    ...rawConfig,
    server: { port: 0, admin_port: 0, ...(rawConfig.server ?? {}) },
    storage: { data_dir: dataDir, ...(rawConfig.storage ?? {}) },
  };
  const config = buildConfig(raw, { env: { ...env } });
  const gateway = buildGateway(config, {
    logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    accessLog: false,
    // Tracing only when a test's env asks for it, whatever OTEL_* the shell has.
    env: { ...env },
    tracing: await tracingFromEnv(env),
    ...options,
  });
  const url = await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
  const adminUrl = await gateway.admin.listen({ host: '127.0.0.1', port: 0 });
  return {
    gateway,
    url,
    adminUrl,
    dataDir,
    async post(path, body, headers = {}) {
      const res = await fetch(url + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, headers: res.headers, json };
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads rows from a test gateway's embedded SQLite database (usage records and the like). */
export async function sqliteRows(dataDir: string, sql: string): Promise<any[]> {
  const { default: Database } = await import('better-sqlite3');
  const { join: joinPath } = await import('node:path');
  const db = new Database(joinPath(dataDir, 'rankway.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}
