import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

describe('POST /v1/rerank validation', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({ server: { body_limit_bytes: 20_000, max_documents: 50 } });
  });
  after(() => gw.close());

  const cases: Array<[string, unknown, string, string | null]> = [
    ['missing query', { model: 'local/bm25', documents: ['a'] }, 'query is required for rerank', 'query'],
    ['empty documents', { model: 'local/bm25', query: 'q', documents: [] }, 'documents are required for rerank', 'documents'],
    ['missing documents', { model: 'local/bm25', query: 'q' }, 'documents are required for rerank', 'documents'],
    [
      'blank document text',
      { model: 'local/bm25', query: 'q', documents: ['ok', '  '] },
      'document text is required for rerank at index 1',
      'documents[1]',
    ],
    [
      'blank object text',
      { model: 'local/bm25', query: 'q', documents: [{ text: 'a' }, { text: 'b' }, { id: 'x', text: '' }] },
      'document text is required for rerank at index 2',
      'documents[2]',
    ],
    ['top_n zero', { model: 'local/bm25', query: 'q', documents: ['a'], top_n: 0 }, 'top_n must be at least 1', 'top_n'],
  ];
  for (const [name, body, message, param] of cases) {
    it(`${name} -> 400 "${message}"`, async () => {
      const res = await gw.post('/v1/rerank', body);
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: { message, type: 'invalid_request_error', param, code: 'invalid_request' } });
    });
  }

  it('wrong types are named', async () => {
    const res = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: ['a'], top_n: 'two' });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.param, 'top_n');
    const res2 = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: [42] });
    assert.equal(res2.status, 400);
    assert.match(res2.json.error.message, /documents\[0\] must be a string or an object/);
  });

  it('malformed JSON -> 400 invalid_json', async () => {
    const res = await gw.post('/v1/rerank', '{"model": "local/bm25", "query": ');
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'invalid_json');
  });

  it('unknown model -> 404 explaining how models are addressed', async () => {
    const res = await gw.post('/v1/rerank', { model: 'nope/model-x', query: 'q', documents: ['a'] });
    assert.equal(res.status, 404);
    assert.equal(res.json.error.code, 'model_not_found');
    assert.match(res.json.error.message, /provider\/model/);
    assert.match(res.json.error.message, /local\/bm25/);
  });

  it('the unknown-model message does not reveal configured names', async () => {
    const other = await startGateway({ models: [{ name: 'internal-secret-alias', target: 'local/bm25' }] });
    try {
      const res = await other.post('/v1/rerank', { model: 'nope', query: 'q', documents: ['a'] });
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.json.error.message, /internal-secret-alias/);
    } finally {
      await other.close();
    }
  });

  it('body over the limit -> 413', async () => {
    const res = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: ['x'.repeat(30_000)] });
    assert.equal(res.status, 413);
    assert.equal(res.json.error.code, 'payload_too_large');
  });

  it('more documents than the configured maximum -> 400 too_many_documents', async () => {
    const res = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: Array.from({ length: 51 }, (_, i) => `d${i}`) });
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'too_many_documents');
    assert.match(res.json.error.message, /maximum is 50/);
  });

  it("every response carries x-request-id, honouring the caller's", async () => {
    const own = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: ['a'] }, { 'x-request-id': 'trace-123' });
    assert.equal(own.headers.get('x-request-id'), 'trace-123');
    const generated = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q' });
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});
