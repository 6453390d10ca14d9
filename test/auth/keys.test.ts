import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('auth: keys with keys from the config file', () => {
  let gw: RunningGateway;
  const body = { model: 'local/bm25', query: 'rotate keys', documents: ['rotate the keys', 'metrics'] };
  before(async () => {
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [
          { name: 'everything', key_sha256: sha256Hex('rk-all') },
          { name: 'search-only', key_sha256: sha256Hex('rk-search'), allowed_models: ['search', 'cohere/*'] },
        ],
      },
      models: [
        { name: 'search', target: 'local/bm25' },
        { name: 'other', target: 'local/bm25' },
      ],
    });
  });
  after(() => gw.close());

  it('401 missing_api_key without a key', async () => {
    const res = await gw.post('/v1/rerank', body);
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'missing_api_key');
    assert.equal(res.json.error.type, 'authentication_error');
  });

  it('401 invalid_api_key with a wrong key, which is never echoed', async () => {
    const variants: Array<Record<string, string>> = [{ authorization: 'Bearer rk-wrong-zzz' }, { 'x-api-key': 'rk-wrong-zzz' }];
    for (const headers of variants) {
      const res = await gw.post('/v1/rerank', body, headers);
      assert.equal(res.status, 401);
      assert.equal(res.json.error.code, 'invalid_api_key');
      assert.doesNotMatch(JSON.stringify(res.json), /rk-wrong-zzz/);
    }
  });

  it('accepts a configured key as Bearer or x-api-key', async () => {
    assert.equal((await gw.post('/v1/rerank', body, { authorization: 'Bearer rk-all' })).status, 200);
    assert.equal((await gw.post('/v1/rerank', body, { 'x-api-key': 'rk-all' })).status, 200);
    assert.equal((await gw.post('/v1/rerank', { ...body, model: 'other' }, { authorization: 'bearer rk-all' })).status, 200);
  });

  it("403 model_not_allowed outside the key's allowed_models; allowed ones pass", async () => {
    const headers = { authorization: 'Bearer rk-search' };
    const denied = await gw.post('/v1/rerank', { ...body, model: 'other' }, headers);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, 'model_not_allowed');
    assert.equal(denied.json.error.param, 'model');
    const direct = await gw.post('/v1/rerank', body, headers);
    assert.equal(direct.status, 403, 'local/bm25 is not in the allow-list either');
    const ok = await gw.post('/v1/rerank', { ...body, model: 'search' }, headers);
    assert.equal(ok.status, 200);
  });
});
