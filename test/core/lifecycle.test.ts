import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { buildGateway } from '../../src/app.js';
import { buildConfig } from '../../src/config/load.js';
import { eolDate, pastEndOfLife } from '../../src/core/lifecycle.js';
import { createLogger } from '../../src/observability/log.js';

describe('model end-of-life warnings', () => {
  it('knows EOL dates by model id, inference profile and provider/model target', () => {
    assert.equal(eolDate('anthropic.claude-v2:1'), '2025-07-21');
    assert.equal(eolDate('bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0'), '2026-04-28');
    assert.equal(eolDate('bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0'), undefined);
    const models = [
      { name: 'old', target: 'bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0' },
      { name: 'current', target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0' },
    ];
    assert.deepEqual(pastEndOfLife(models, Date.parse('2026-04-27T23:59:59Z')), []);
    assert.deepEqual(pastEndOfLife(models, Date.parse('2026-04-28T00:00:00Z')), [
      { model: 'old', target: 'bedrock/us.anthropic.claude-3-7-sonnet-20250219-v1:0', eol: '2026-04-28' },
    ]);
  });

  it('logs one warning at start for an alias past its EOL date', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rankway-eol-'));
    const logs: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    });
    const config = buildConfig(
      {
        server: { port: 0, admin_port: 0 },
        storage: { data_dir: dataDir },
        providers: [{ name: 'bedrock', type: 'bedrock', region: 'us-east-1', access_key_id: 'AKIDEOL', secret_access_key: 'eol-secret' }],
        models: [
          { name: 'claude-2', target: 'bedrock/anthropic.claude-v2:1' },
          { name: 'sonnet', target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0' },
        ],
      },
      { env: {} },
    );
    const gateway = buildGateway(config, { logger: createLogger({ level: 'warn', destination }), accessLog: false, env: {} });
    try {
      const eol = logs.map((l) => JSON.parse(l)).filter((l) => /end-of-life/.test(l.msg));
      assert.equal(eol.length, 1, logs.join(''));
      assert.equal(eol[0].model, 'claude-2');
      assert.equal(eol[0].eol, '2025-07-21');
    } finally {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
