import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAdmin, resolveAdminKey } from '../../src/auth/inbound/admin-key.js';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { loadSecretKey, SecretBox } from '../../src/auth/secrets/secret-box.js';
import { SqliteControlStore } from '../../src/store/sqlite/repository.js';
import { openSqlite } from '../../src/store/sqlite/database.js';

const dir = mkdtempSync(join(tmpdir(), 'rankway-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('admin key', () => {
  it('is generated on the first start only, and only its hash is stored', async () => {
    const store = new SqliteControlStore(openSqlite(join(dir, 'admin')));
    const first = await resolveAdminKey(store, {});
    assert.match(first.generated!, /^rk-admin-/);
    const second = await resolveAdminKey(store, {});
    assert.equal(second.generated, undefined, 'printed once, never again');
    assert.deepEqual(second.hash, first.hash);
    assert.equal(await store.getSetting('admin_key_sha256'), sha256Hex(first.generated!));
    assert.ok(!readFileSync(join(dir, 'admin', 'rankway.db')).includes(first.generated!));
    assert.equal(isAdmin({ authorization: `Bearer ${first.generated}` }, second), true);
    assert.equal(isAdmin({ 'x-api-key': first.generated }, second), true);
    assert.equal(isAdmin({ authorization: 'Bearer rk-admin-guess' }, second), false);
    const fromEnv = await resolveAdminKey(store, { RANKWAY_ADMIN_KEY: 'chosen' });
    assert.equal(isAdmin({ authorization: 'Bearer chosen' }, fromEnv), true, 'RANKWAY_ADMIN_KEY wins');
    assert.equal(isAdmin({ authorization: `Bearer ${first.generated}` }, fromEnv), false);
    await store.close();
  });
});

describe('secret box', () => {
  it('generates a 0600 key file once and reuses it', () => {
    const a = loadSecretKey(join(dir, 'box'), {});
    const b = loadSecretKey(join(dir, 'box'), {});
    assert.deepEqual(a, b);
    assert.equal(statSync(join(dir, 'box', 'secret.key')).mode & 0o777, 0o600);
  });

  it('takes RANKWAY_SECRET_KEY as hex, base64 or a passphrase', () => {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(loadSecretKey(dir, { RANKWAY_SECRET_KEY: hex }), Buffer.from(hex, 'hex'));
    const b64 = Buffer.alloc(32, 7).toString('base64');
    assert.deepEqual(loadSecretKey(dir, { RANKWAY_SECRET_KEY: b64 }), Buffer.alloc(32, 7));
    assert.equal(loadSecretKey(dir, { RANKWAY_SECRET_KEY: 'correct horse' }).length, 32);
  });

  it('round-trips, and refuses another key, another row or a tampered value', () => {
    const box = new SecretBox(Buffer.alloc(32, 1));
    const sealed = box.seal('{"api_key":"s3cret"}', 'pk_1');
    assert.ok(!sealed.includes('s3cret'));
    assert.notEqual(box.seal('{"api_key":"s3cret"}', 'pk_1'), sealed, 'a fresh IV each time');
    assert.equal(box.open(sealed, 'pk_1'), '{"api_key":"s3cret"}');
    assert.throws(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'pk_1'));
    assert.throws(() => box.open(sealed, 'pk_2'), Error, 'bound to its row');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    assert.throws(() => box.open(parts.join(':'), 'pk_1'));
  });
});
