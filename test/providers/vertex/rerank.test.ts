import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/interpolate.js';
import { vertexRerank } from '../../../src/providers/vertex/rerank.js';

const capability = vertexRerank({ project: 'p', location: 'global', rankingConfig: 'default_ranking_config' });
const target = { provider: 'vertex', model: 'semantic-ranker-default@latest' };
const reply = (body: unknown) => ({ status: 200, headers: {}, body: Buffer.from(JSON.stringify(body)) });
const call = {
  query: 'q',
  documents: [
    { text: 'a', source: 'a' },
    { text: 'b', meta: { title: 'B' }, source: 'b' },
  ],
  topN: 2,
};

describe('vertex rerank translation', () => {
  it('builds records with positional ids, titles from meta.title, topN and no echoed details', () => {
    const http = capability.build(call, target);
    assert.equal(http.path, '/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:rank');
    assert.deepEqual(http.body, {
      model: 'semantic-ranker-default@latest',
      query: 'q',
      records: [
        { id: '0', content: 'a' },
        { id: '1', title: 'B', content: 'b' },
      ],
      topN: 2,
      ignoreRecordDetailsInResponse: true,
    });
  });

  it('maps ids back to indices, a missing score to 0, and one query unit of usage', () => {
    const out = capability.parse(reply({ records: [{ id: '1', score: 0.7 }, { id: '0' }] }), call);
    assert.deepEqual(out.scores, [
      { index: 1, score: 0.7 },
      { index: 0, score: 0 },
    ]);
    assert.deepEqual(out.usage, { queries: 1 });
    assert.deepEqual(capability.parse(reply({}), call).scores, []);
  });

  it('rejects unknown ids and non-numeric scores as bad responses', () => {
    assert.throws(() => capability.parse(reply({ records: [{ id: '7', score: 1 }] }), call), { code: 'upstream_bad_response' });
    assert.throws(() => capability.parse(reply({ records: [{ id: 'x', score: 1 }] }), call), { code: 'upstream_bad_response' });
    assert.throws(() => capability.parse(reply({ records: [{ id: '0', score: 'high' }] }), call), { code: 'upstream_bad_response' });
  });

  it('config: project is required, credentials are exclusive, inline keys must be service-account keys', () => {
    const build = (p: Record<string, unknown>) => buildConfig({ providers: [{ name: 'v', type: 'vertex', ...p }] }, { env: {} });
    assert.throws(
      () => build({}),
      (e: unknown) => e instanceof ConfigError && /project/.test(e.message),
    );
    assert.throws(
      () => build({ project: 'p', access_token: 't', credentials_file: '/k.json' }),
      (e: unknown) => e instanceof ConfigError && /at most one of/.test(e.message),
    );
    assert.throws(
      () => build({ project: 'p', credentials_json: '{nope' }),
      (e: unknown) => e instanceof ConfigError && /not valid JSON/.test(e.message),
    );
    assert.throws(
      () => build({ project: 'p', credentials_json: { client_email: 'x' } }),
      (e: unknown) => e instanceof ConfigError && /client_email and private_key/.test(e.message),
    );
    const ok = build({ project: 'p', location: 'eu', access_token: 't' });
    const adapter = ok.providers.get('v')!.adapter;
    assert.equal(adapter.endpoints.default, 'https://eu-discoveryengine.googleapis.com');
    assert.equal(adapter.limits.maxDocumentsPerCall, 200);
    assert.deepEqual(adapter.auth, {
      scheme: 'google',
      accessToken: 't',
      serviceAccount: undefined,
      serviceAccountFile: undefined,
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    });
  });
});
