import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeServiceAccount, startFakeGoogle, type FakeGoogle } from '../helpers/fakes/vertex-fake.js';
import { rank } from '../helpers/fakes/scoring.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

describe('vertex provider through the gateway', () => {
  let google: FakeGoogle;
  let gw: RunningGateway;

  before(async () => {
    google = await startFakeGoogle();
    const account = makeServiceAccount(`${google.server.url}/token`);
    google.trust(account.key.client_email, account.publicKeyPem);
    gw = await startGateway({
      providers: [
        {
          name: 'vertex',
          type: 'vertex',
          project: 'test-project',
          base_url: google.server.url,
          credentials_json: JSON.stringify(account.key),
        },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await google.server.close();
  });

  it('450 documents make 3 authenticated calls and come back merged and correctly indexed', async () => {
    google.rankCalls.length = 0;
    const documents = Array.from(
      { length: 450 },
      (_, i) => `passage ${i} on ${i % 9 === 0 ? 'ranking quality' : 'something else'} ${i % 11}`,
    );
    const query = 'ranking quality';
    const res = await gw.post('/v1/rerank', { model: 'vertex/semantic-ranker-default@latest', query, documents, top_n: 20 });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(google.rankCalls.length, 3);
    assert.deepEqual(google.rankCalls.map((c) => c.json.records.length).sort(), [200, 200, 50]);
    for (const call of google.rankCalls) {
      assert.ok(google.issuedTokens.includes(String(call.headers.authorization).slice(7)));
      assert.equal(call.json.model, 'semantic-ranker-default@latest');
      assert.equal(call.json.ignoreRecordDetailsInResponse, true);
      assert.match(call.path, /^\/v1\/projects\/test-project\/locations\/global\/rankingConfigs\/default_ranking_config:rank$/);
    }
    // One token served every call: it is cached, not fetched per request.
    assert.equal(google.issuedTokens.length, 1);
    const expected = rank(query, documents, 20);
    assert.deepEqual(
      res.json.results.map((r: any) => r.index),
      expected.map((e) => e.index),
    );
    assert.deepEqual(
      res.json.results.map((r: any) => r.relevance_score),
      expected.map((e) => e.score),
    );
    assert.equal(res.json.extra_fields.chunks, 3);
    // One query unit per upstream call, priced per 1k queries by default.
    assert.ok(res.json.extra_fields.provider === 'vertex');
  });

  it('sends meta.title as the record title and maps missing scores to 0', async () => {
    google.rankCalls.length = 0;
    const res = await gw.post('/v1/rerank', {
      model: 'vertex/semantic-ranker-default@latest',
      query: 'zzz',
      documents: [{ text: 'no overlap at all', meta: { title: 'Doc A' } }, 'other words here'],
      return_documents: true,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(google.rankCalls[0].json.records[0], { id: '0', title: 'Doc A', content: 'no overlap at all' });
    assert.deepEqual(google.rankCalls[0].json.records[1], { id: '1', content: 'other words here' });
    for (const r of res.json.results) assert.ok(r.relevance_score >= 0);
    assert.equal(res.json.results.find((r: any) => r.index === 0).document.text, 'no overlap at all');
  });

  it('a key the token endpoint does not trust fails as an upstream auth error, with no secret in the answer', async () => {
    const stranger = makeServiceAccount(`${google.server.url}/token`, 'stranger@test-project.iam.gserviceaccount.com');
    const other = await startGateway({
      providers: [
        { name: 'vertex', type: 'vertex', project: 'p', base_url: google.server.url, credentials_json: stranger.key, max_retries: 0 },
      ],
    });
    try {
      const res = await other.post('/v1/rerank', { model: 'vertex/semantic-ranker-default@latest', query: 'q', documents: ['a'] });
      assert.equal(res.status, 502);
      assert.equal(res.json.error.code, 'upstream_auth_failed');
      assert.ok(!JSON.stringify(res.json).includes('PRIVATE KEY'));
    } finally {
      await other.close();
    }
  });

  it('a token close to expiry is replaced before use', async () => {
    // Tokens living less than the five-minute refresh margin are fetched again per call.
    const shortLived = await startFakeGoogle({ tokenTtlSeconds: 120 });
    const account = makeServiceAccount(`${shortLived.server.url}/token`);
    shortLived.trust(account.key.client_email, account.publicKeyPem);
    const other = await startGateway({
      providers: [{ name: 'vertex', type: 'vertex', project: 'p', base_url: shortLived.server.url, credentials_json: account.key }],
    });
    try {
      for (const q of ['one', 'two']) {
        const res = await other.post('/v1/rerank', {
          model: 'vertex/semantic-ranker-default@latest',
          query: q,
          documents: ['a b', 'c'],
          cache: false,
        });
        assert.equal(res.status, 200);
      }
      assert.equal(shortLived.issuedTokens.length, 2);
    } finally {
      await other.close();
      await shortLived.server.close();
    }
  });

  it('a static access_token is sent as is', async () => {
    const token = 'ya29.static-token';
    const seen: string[] = [];
    const { startFake, sendJson } = await import('../helpers/fake-server.js');
    const upstream = await startFake((req, res) => {
      seen.push(String(req.headers.authorization));
      sendJson(res, 200, { records: [{ id: '1', score: 0.9 }, { id: '0' }] });
    });
    const other = await startGateway({
      providers: [
        { name: 'v', type: 'vertex', project: 'p', location: 'eu', ranking_config: 'rc', base_url: upstream.url, access_token: token },
      ],
    });
    try {
      const res = await other.post('/v1/rerank', { model: 'v/semantic-ranker-fast-004', query: 'q', documents: ['a', 'b'] });
      assert.equal(res.status, 200);
      assert.deepEqual(seen, [`Bearer ${token}`]);
      assert.deepEqual(res.json.results, [
        { index: 1, relevance_score: 0.9 },
        { index: 0, relevance_score: 0 },
      ]);
      assert.equal(upstream.requests[0].path, '/v1/projects/p/locations/eu/rankingConfigs/rc:rank');
    } finally {
      await other.close();
      await upstream.close();
    }
  });
});
