import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('JSON request bodies', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway();
  });
  after(() => gw.close());

  const rerank = (body: string, contentType = 'application/json') => gw.post('/v1/rerank', body, { 'content-type': contentType });

  it('parses plain bodies, with or without a charset', async () => {
    const body = JSON.stringify({ model: 'local/bm25', query: 'keys', documents: ['rotate keys', 'metrics'] });
    assert.equal((await rerank(body)).status, 200);
    assert.equal((await rerank(body, 'application/json; charset=utf-8')).status, 200);
  });

  it('still refuses prototype poisoning, escaped or not', async () => {
    for (const key of ['"__proto__"', '"\\u005f_proto__"', '"constructor":{"prototype"']) {
      const body = `{"model":"local/bm25","query":"q","documents":["a"],${key.includes('constructor') ? key + ':{}}' : key + ':{"x":1}'}}`;
      const res = await rerank(body);
      assert.equal(res.status, 400, `${body} -> ${res.status}`);
    }
  });

  it('bodies that merely mention constructor or contain \\u escapes still work', async () => {
    const body = JSON.stringify({
      model: 'local/bm25',
      query: 'constructor',
      documents: ['the constructor runs first', 'caf\u00e9 \u2603'],
    }).replace('\u2603', '\\u2603');
    const res = await rerank(body);
    assert.equal(res.status, 200);
    assert.equal(res.json.results[0].index, 0);
  });

  it('malformed and empty bodies are invalid_json', async () => {
    for (const body of ['{"model":', '']) {
      const res = await rerank(body);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error.code, 'invalid_json');
    }
  });
});
