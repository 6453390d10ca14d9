import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Builds the gateway on the embedded default in a fresh process and lists the packages
// it loaded: the optional ones must wait until a feature that needs them is configured.
const PROBE = `
import { createRequire } from 'node:module';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const { buildGateway } = await import('./src/app.ts');
const { buildConfig } = await import('./src/config/load.ts');
const { createLogger } = await import('./src/observability/log.ts');
const config = buildConfig({ server: { port: 0, admin_port: 0 }, storage: { data_dir: mkdtempSync(join(tmpdir(), 'rankway-optional-')) } }, { env: {} });
const gateway = buildGateway(config, { logger: createLogger({ level: 'silent' }), env: {} });
await gateway.proxy.listen({ host: '127.0.0.1', port: 0 });
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('node_modules'));
process.stdout.write(JSON.stringify(loaded));
process.exit(0);
`;

describe('optional packages', () => {
  it('the embedded default starts without loading AWS, Google, PostgreSQL, Redis or OpenTelemetry SDKs', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    });
    const loaded: string[] = JSON.parse(out);
    assert.ok(
      loaded.some((p) => p.includes('/fastify/')),
      'the probe saw the CommonJS cache',
    );
    for (const pkg of [
      '/@aws-sdk/credential-providers/',
      '/google-auth-library/',
      '/pg/',
      '/ioredis/',
      '/@opentelemetry/sdk-trace-base/',
      '/@smithy/signature-v4/',
    ]) {
      assert.equal(loaded.filter((p) => p.includes(`node_modules${pkg}`)).length, 0, `${pkg} was loaded at start-up`);
    }
  });
});
