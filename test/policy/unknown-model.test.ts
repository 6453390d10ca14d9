import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

// Regression: a key allowed only `local/*` naming an unconfigured model got 404
// model_not_found (telling it what is not configured) instead of the README's 403.
describe('a model the key may not use is refused as such even when it does not exist', () => {
  let gw: RunningGateway;
  const local = { authorization: 'Bearer sk-local-only' };
  const anything = { authorization: 'Bearer sk-anything' };
  before(async () => {
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [
          { name: 'local-only', key_sha256: sha256Hex('sk-local-only'), allowed_models: ['local/*'] },
          { name: 'anything', key_sha256: sha256Hex('sk-anything') },
        ],
      },
    });
  });
  after(() => gw.close());

  const body = (model: string, fallbacks?: string[]) => ({ model, query: 'q', documents: ['a'], ...(fallbacks ? { fallbacks } : {}) });

  it('an unconfigured fallback outside the allow-list: 403 naming it', async () => {
    const res = await gw.post('/v1/rerank', body('local/bm25', ['cohere/rerank-v3.5']), local);
    assert.equal(res.status, 403);
    assert.equal(res.json.error.code, 'model_not_allowed');
    assert.equal(res.json.error.param, 'fallbacks[0]');
    assert.equal(res.json.error.message, "This API key may not use model 'cohere/rerank-v3.5'");
  });

  it('an unconfigured primary outside the allow-list: 403', async () => {
    const res = await gw.post('/v1/rerank', body('nope'), local);
    assert.equal(res.status, 403);
    assert.equal(res.json.error.param, 'model');
  });

  it('a key that may use it still learns it is not configured: 404', async () => {
    const res = await gw.post('/v1/rerank', body('local/bm25', ['cohere/rerank-v3.5']), anything);
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'model_not_found');
    const inList = await gw.post('/v1/rerank', body('local/nope'), local);
    assert.equal(inList.status, 404);
  });
});
