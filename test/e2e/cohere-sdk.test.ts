import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CohereClient, CohereClientV2 } from 'cohere-ai';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('official cohere-ai clients against Rankway', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({
      server: { auth: 'keys', keys: [{ name: 'sdk', key_sha256: 'd4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35' }] },
    });
  });
  after(() => gw.close());
  // sha256("2") above; the SDK sends it as a Bearer token.

  it('CohereClientV2.rerank works unchanged', async () => {
    const client = new CohereClientV2({ token: '2', environment: gw.url });
    const res = await client.rerank({
      model: 'local/bm25',
      query: 'rotate api keys',
      documents: ['Metrics are exported.', 'Rotate API keys from the admin API.', 'Unrelated text.'],
      topN: 2,
    });
    assert.equal(res.results.length, 2);
    assert.equal(res.results[0].index, 1);
    assert.ok(res.results[0].relevanceScore > res.results[1].relevanceScore);
  });

  it('CohereClient (v1) rerank with object documents and return_documents', async () => {
    const client = new CohereClient({ token: '2', environment: gw.url });
    const res = await client.rerank({
      model: 'local/bm25',
      query: 'rotate api keys',
      documents: [{ text: 'Metrics are exported.' }, { text: 'Rotate API keys from the admin API.' }],
      returnDocuments: true,
    });
    assert.equal(res.results[0].index, 1);
    assert.equal(res.results[0].document?.text, 'Rotate API keys from the admin API.');
  });

  it("a wrong key raises the SDK's UnauthorizedError", async () => {
    const client = new CohereClientV2({ token: 'wrong', environment: gw.url });
    await assert.rejects(
      client.rerank({ model: 'local/bm25', query: 'q', documents: ['a'] }),
      (err: Error & { statusCode?: number }) => err.statusCode === 401,
    );
  });
});
