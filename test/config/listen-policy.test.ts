import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { checkListenPolicy, isLoopback } from '../../src/server/listen-policy.js';

const server = (raw: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => buildConfig({ server: raw }, { env }).server;
const KEYS = [{ name: 'a', key_sha256: 'a'.repeat(64) }];

describe('auth: none is only for loopback', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.ok(isLoopback(h), h);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.2', 'example.com', '128.0.0.1']) assert.ok(!isLoopback(h), h);
  });

  it('refuses auth: none on a non-loopback host with a message saying how to fix it', () => {
    assert.throws(
      () => checkListenPolicy(server({ host: '0.0.0.0' }), {}),
      (err: Error) =>
        /auth: "none" is refused on non-loopback address 0\.0\.0\.0/.test(err.message) && /allow_unauthenticated_remote/.test(err.message),
    );
    // HOST from the environment is checked the same way.
    assert.throws(() => checkListenPolicy(server({}, { HOST: '10.1.2.3' }), {}), /10\.1\.2\.3/);
  });

  it('allows it when explicitly opted in, by config or environment', () => {
    checkListenPolicy(server({ host: '0.0.0.0', allow_unauthenticated_remote: true }), {});
    checkListenPolicy(server({ host: '0.0.0.0' }), { RANKWAY_ALLOW_UNAUTHENTICATED: '1' });
  });

  it('allows loopback without auth and any host with keys', () => {
    checkListenPolicy(server({}), {});
    checkListenPolicy(server({ host: '0.0.0.0', auth: 'keys', keys: KEYS }), {});
  });
});
