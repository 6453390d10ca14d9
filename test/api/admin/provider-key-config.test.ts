import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../../helpers/fake-server.js';
import { startFakeCompatible } from '../../helpers/fakes/rerank-fakes.js';
import { adminClient, type AdminClient } from '../../helpers/admin.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const ADMIN_KEY = 'rk-admin-provider-config';
const HEADER_SECRET = 'hdr-secret-7f3a9c-never-shown';
const CONFIG_KEY = 'cfg-api-key-41d2-never-shown';

describe('admin provider keys: the config file schemas, sealed credentials', () => {
  let upstream: FakeServer;
  let gw: RunningGateway;
  let admin: AdminClient;
  const seen: string[] = [];
  const call: AdminClient['call'] = async (...args) => {
    const res = await admin.call(...args);
    seen.push(res.text);
    return res;
  };

  before(async () => {
    upstream = await startFakeCompatible({ apiKey: HEADER_SECRET });
    gw = await startGateway({}, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
    admin = adminClient(gw.adminUrl, ADMIN_KEY);
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  let headerKeyId: string;
  it('seals header values: GET shows the header names only, and the upstream still gets them', async () => {
    const res = await call('POST', '/admin/v1/provider_keys', {
      display_name: 'ranker',
      provider: 'openai-compatible',
      adapter: 'openai-compatible',
      secret: '{}',
      api_base: upstream.url,
      config: { timeout_ms: 5000, headers: { authorization: `Bearer ${HEADER_SECRET}`, 'x-tenant': 'acme' } },
    });
    assert.equal(res.status, 201, res.text);
    headerKeyId = res.json.id;
    assert.deepEqual(res.json.config, { timeout_ms: 5000 });
    assert.deepEqual(res.json.config_sealed_fields, ['headers.authorization', 'headers.x-tenant']);

    for (const path of [`/admin/v1/provider_keys/${headerKeyId}`, '/admin/v1/provider_keys']) {
      const got = await call('GET', path);
      assert.equal(got.status, 200);
      assert.ok(!got.text.includes(HEADER_SECRET) && !got.text.includes('acme'), got.text);
    }
    const model = await call('POST', '/admin/v1/models', {
      display_name: 'rk',
      provider: 'openai-compatible',
      model_name: 'm',
      provider_key_id: headerKeyId,
    });
    assert.equal(model.status, 201, model.text);
    const proxied = await gw.post('/v1/rerank', { model: 'rk', query: 'q', documents: ['a q', 'b'], cache: false });
    assert.equal(proxied.status, 200, JSON.stringify(proxied.json));
    assert.equal(upstream.requests.at(-1)?.headers.authorization, `Bearer ${HEADER_SECRET}`);
    assert.equal(upstream.requests.at(-1)?.headers['x-tenant'], 'acme');
  });

  it('a PATCH without config keeps the sealed part; a PATCH with config replaces it whole', async () => {
    const renamed = await call('PATCH', `/admin/v1/provider_keys/${headerKeyId}`, { provider: 'openai-compatible' });
    assert.equal(renamed.status, 200, renamed.text);
    assert.deepEqual(renamed.json.config_sealed_fields, ['headers.authorization', 'headers.x-tenant']);
    const proxied = await gw.post('/v1/rerank', { model: 'rk', query: 'q', documents: ['a q', 'b'], cache: false });
    assert.equal(proxied.status, 200, 'the sealed header survived the patch');
    const replaced = await call('PATCH', `/admin/v1/provider_keys/${headerKeyId}`, { config: { timeout_ms: 4000 } });
    assert.equal(replaced.status, 200, replaced.text);
    assert.deepEqual(replaced.json.config, { timeout_ms: 4000 });
    assert.deepEqual(replaced.json.config_sealed_fields, []);
  });

  it('seals credential-like config fields (api_key given in config rather than secret)', async () => {
    const res = await call('POST', '/admin/v1/provider_keys', {
      display_name: 'co-cfg',
      provider: 'cohere',
      adapter: 'cohere',
      secret: '{}',
      config: { api_key: CONFIG_KEY, max_retries: 1 },
    });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json.config, { max_retries: 1 });
    assert.deepEqual(res.json.config_sealed_fields, ['api_key']);
    const got = await call('GET', `/admin/v1/provider_keys/${res.json.id}`);
    assert.ok(!got.text.includes(CONFIG_KEY));
  });

  it('refuses unknown keys with the path and a did-you-mean (400)', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [
        { adapter: 'vertex', secret: '{"access_token":"t"}', config: { project: 'p', service_account_key_file: '/k.json' } },
        'config.service_account_key_file',
        /config\.service_account_key_file: unknown key \(did you mean credentials_file\?\)/,
      ],
      [
        { adapter: 'cohere', secret: '{"api_key":"k"}', config: { base_uri: 'https://cohere.internal' } },
        'config.base_uri',
        /config\.base_uri: unknown key \(did you mean base_url\?\)/,
      ],
      [
        { adapter: 'bedrock', secret: '{"access_key":"AKIAEXAMPLE","secret_key":"s3cr3t-value"}', config: { region: 'us-east-1' } },
        'secret',
        /secret\.access_key: unknown key \(did you mean access_key_id\?\); secret\.secret_key: unknown key \(did you mean secret_access_key\?\)/,
      ],
      [{ adapter: 'cohere', secret: '{"api_key":"k"}', config: { headers: { a: 1 } } }, 'config.headers.a', /config\.headers\.a: /],
    ];
    for (const [extra, param, message] of cases) {
      const res = await call('POST', '/admin/v1/provider_keys', { display_name: 'bad', provider: String(extra.adapter), ...extra });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.json.error.param, param, res.text);
      assert.match(res.json.error.message, message);
      assert.ok(!res.text.includes('s3cr3t-value'), 'no value in the message');
    }
  });

  it('refuses api_base outside http(s) and on metadata or link-local addresses', async () => {
    const base = { display_name: 'bad-base', provider: 'vllm', adapter: 'vllm', secret: '{}' };
    for (const api_base of [
      'file:///etc/passwd',
      'ftp://example.com/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://metadata.google.internal/',
      'http://100.100.100.200/',
      'http://[fe80::1]/',
    ]) {
      const res = await call('POST', '/admin/v1/provider_keys', { ...base, api_base });
      assert.equal(res.status, 400, `${api_base}: ${res.text}`);
      assert.equal(res.json.error.param, 'api_base', res.text);
    }
    const endpoint = await call('POST', '/admin/v1/provider_keys', {
      ...base,
      adapter: 'bedrock',
      provider: 'bedrock',
      secret: '{"api_key":"k"}',
      config: { region: 'us-east-1', runtime_endpoint: 'http://169.254.169.254/' },
    });
    assert.equal(endpoint.status, 400, endpoint.text);
    assert.equal(endpoint.json.error.param, 'config.runtime_endpoint');
    assert.match(endpoint.json.error.message, /upstreams\.allow_metadata_addresses/);
    const patched = await call('PATCH', `/admin/v1/provider_keys/${headerKeyId}`, { api_base: 'http://169.254.169.254/' });
    assert.equal(patched.status, 400, 'PATCH is checked too');
  });

  it('hides header values of rows stored before sealing existed', async () => {
    const now = new Date().toISOString();
    const sealed = (await call('GET', `/admin/v1/provider_keys/${headerKeyId}`)).json;
    assert.ok(sealed);
    const { SecretBox, loadSecretKey } = await import('../../../src/auth/secrets/secret-box.js');
    const box = new SecretBox(loadSecretKey(gw.dataDir, {}));
    await gw.gateway.store.createResource({
      id: 'pk_legacy',
      kind: 'provider_key',
      name: 'legacy',
      data: {
        display_name: 'legacy',
        provider: 'vllm',
        adapter: 'vllm',
        api_base: upstream.url,
        config: { headers: { authorization: `Bearer ${HEADER_SECRET}` } },
        secret_sealed: box.seal('{}', 'pk_legacy'),
        secret_fields: [],
      },
      createdAt: now,
      updatedAt: now,
    });
    await gw.gateway.control.refresh();
    const got = await call('GET', '/admin/v1/provider_keys/pk_legacy');
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json.config, {});
    assert.deepEqual(got.json.config_sealed_fields, ['headers.authorization']);
  });

  it('never returned a header value or credential in any admin response, nor stored one in plaintext', () => {
    for (const text of seen) {
      assert.ok(!text.includes(HEADER_SECRET) && !text.includes(CONFIG_KEY), text);
    }
    // The legacy row above holds it in plaintext on purpose; every other row must not.
    const db = readdirSync(gw.dataDir).filter((f) => f.startsWith('rankway.db'));
    assert.ok(db.length > 0);
    for (const f of db) assert.ok(!readFileSync(join(gw.dataDir, f)).includes(CONFIG_KEY), `${f} holds the config api_key in plaintext`);
  });
});

describe('admin provider keys on a gateway that allows metadata addresses', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ upstreams: { allow_metadata_addresses: true } }, { RANKWAY_ADMIN_KEY: ADMIN_KEY });
  });
  after(() => gw.close());

  it('accepts a link-local api_base when the operator switched the check off', async () => {
    const res = await adminClient(gw.adminUrl, ADMIN_KEY).call('POST', '/admin/v1/provider_keys', {
      display_name: 'sidecar',
      provider: 'vllm',
      adapter: 'vllm',
      secret: '{}',
      api_base: 'http://169.254.1.10:8000',
    });
    assert.equal(res.status, 201, res.text);
    const scheme = await adminClient(gw.adminUrl, ADMIN_KEY).call('POST', '/admin/v1/provider_keys', {
      display_name: 'sidecar2',
      provider: 'vllm',
      adapter: 'vllm',
      secret: '{}',
      api_base: 'file:///etc/passwd',
    });
    assert.equal(scheme.status, 400, 'the scheme check stays on');
  });
});
