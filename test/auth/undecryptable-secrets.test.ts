import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { buildGateway, type Gateway } from '../../src/app.js';
import { SecretBox, SecretUnreadableError, loadSecretKey } from '../../src/auth/secrets/secret-box.js';
import { buildConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/log.js';
import { adminClient } from '../helpers/admin.js';

const ADMIN_KEY = 'rk-admin-undecryptable';

/** A gateway on port 0 over `dataDir`, with its log lines collected. */
function gatewayOn(dataDir: string, env: NodeJS.ProcessEnv): { gateway: Gateway; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const config = buildConfig({ server: { port: 0, admin_port: 0 }, storage: { data_dir: dataDir } }, { env: {} });
  const gateway = buildGateway(config, {
    logger: createLogger({ level: 'warn', destination }),
    accessLog: false,
    env: { RANKWAY_ADMIN_KEY: ADMIN_KEY, ...env },
    refreshIntervalMs: 60_000,
  });
  return { gateway, logs };
}

describe('stored secrets the current key cannot open', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'rankway-unreadable-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  let providerKeyId: string;

  it('SecretBox.open says which kind of failure it is', () => {
    const sealed = new SecretBox(Buffer.alloc(32, 1)).seal('x', 'row');
    assert.throws(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'row'), SecretUnreadableError);
    assert.throws(() => new SecretBox(Buffer.alloc(32, 1)).open(sealed, 'other-row'), SecretUnreadableError);
    assert.throws(() => new SecretBox(Buffer.alloc(32, 1)).open('garbage', 'row'), SecretUnreadableError);
  });

  it('stop start-up with a message naming RANKWAY_SECRET_KEY and the rows', async () => {
    const first = gatewayOn(dataDir, { RANKWAY_SECRET_KEY: 'the-first-key' });
    const adminUrl = await first.gateway.admin.listen({ host: '127.0.0.1', port: 0 });
    const res = await adminClient(adminUrl, ADMIN_KEY).call('POST', '/admin/v1/provider_keys', {
      display_name: 'co',
      provider: 'cohere',
      adapter: 'cohere',
      secret: '{"api_key":"k-123"}',
    });
    assert.equal(res.status, 201, res.text);
    providerKeyId = res.json.id;
    await first.gateway.close();

    const second = gatewayOn(dataDir, { RANKWAY_SECRET_KEY: 'a-replaced-key' });
    await assert.rejects(second.gateway.ready, (err: Error) => {
      assert.match(err.message, /1 stored secret\(s\) cannot be decrypted/);
      assert.match(err.message, new RegExp(`provider_key ${providerKeyId}`));
      assert.match(err.message, /RANKWAY_SECRET_KEY/);
      return true;
    });
    await assert.rejects(second.gateway.proxy.listen({ host: '127.0.0.1', port: 0 }), /RANKWAY_SECRET_KEY/, 'listen fails too');
    await second.gateway.close();

    const restored = gatewayOn(dataDir, { RANKWAY_SECRET_KEY: 'the-first-key' });
    await restored.gateway.ready;
    assert.deepEqual(restored.gateway.control.unreadableSecrets, []);
    await restored.gateway.close();
  });

  it('when allowed to start without them, or when they arrive later, are logged and exposed for readiness', async () => {
    const running = gatewayOn(dataDir, { RANKWAY_SECRET_KEY: 'a-replaced-key', RANKWAY_ALLOW_UNREADABLE_SECRETS: '1' });
    await running.gateway.ready;
    assert.deepEqual(running.gateway.control.unreadableSecrets, [`provider_key ${providerKeyId}`]);
    assert.ok(
      running.logs.some((l) => l.includes('"level":50') && l.includes('RANKWAY_SECRET_KEY') && l.includes(providerKeyId)),
      running.logs.join(''),
    );

    // Another instance, configured with yet another key, writes a row through the shared store.
    const now = new Date().toISOString();
    const foreign = new SecretBox(loadSecretKey(dataDir, { RANKWAY_SECRET_KEY: 'a-third-key' }));
    await running.gateway.store.createResource({
      id: 'pk_foreign',
      kind: 'provider_key',
      name: 'foreign',
      data: {
        display_name: 'foreign',
        provider: 'cohere',
        adapter: 'cohere',
        api_base: null,
        config: {},
        secret_sealed: foreign.seal('{"api_key":"x"}', 'pk_foreign'),
        secret_fields: ['api_key'],
      },
      createdAt: now,
      updatedAt: now,
    });
    await running.gateway.control.refresh();
    assert.deepEqual(
      [...running.gateway.control.unreadableSecrets].sort(),
      [`provider_key ${providerKeyId}`, 'provider_key pk_foreign'].sort(),
    );
    assert.ok(running.logs.some((l) => l.includes('pk_foreign') && l.includes('RANKWAY_SECRET_KEY')));

    // A PATCH of an unreadable row asks for a new secret instead of answering 500.
    const adminUrl = await running.gateway.admin.listen({ host: '127.0.0.1', port: 0 });
    const patch = await adminClient(adminUrl, ADMIN_KEY).call('PATCH', `/admin/v1/provider_keys/${providerKeyId}`, { provider: 'cohere' });
    assert.equal(patch.status, 409, patch.text);
    assert.match(patch.json.error.message, /RANKWAY_SECRET_KEY/);
    const fixed = await adminClient(adminUrl, ADMIN_KEY).call('PATCH', `/admin/v1/provider_keys/${providerKeyId}`, {
      secret: '{"api_key":"k-456"}',
    });
    assert.equal(fixed.status, 200, fixed.text);
    assert.deepEqual(running.gateway.control.unreadableSecrets, ['provider_key pk_foreign']);
    await running.gateway.close();
  });
});
