import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGateway } from '../../app.js';
import { buildConfig } from '../../config/load.js';
import { createLogger } from '../../observability/log.js';
import { API_VERSION } from './route.js';

/**
 * The OpenAPI document exactly as a running gateway serves it: builds a gateway on the
 * embedded default (no listening, throwaway data dir) and renders its registry.
 */
export async function generateOpenApiText(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rankway-openapi-'));
  const gateway = buildGateway(buildConfig({ storage: { data_dir: dataDir } }, { env: {} }), {
    logger: createLogger({ level: 'silent' }),
    accessLog: false,
    env: {},
  });
  try {
    return JSON.stringify(gateway.openapi.document({ version: API_VERSION }), null, 2) + '\n';
  } finally {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
