import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { costUsd, defaultPrice } from '../../src/core/pricing.js';
import type { SigV4Secret } from '../../src/auth/inbound/sigv4-verify.js';
import { awsError, startFakeBedrock, type FakeBedrock } from '../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../helpers/fakes/bedrock-rerank.js';
import { rank } from '../helpers/fakes/scoring.js';
import { startFakeSts, type FakeSts } from '../helpers/fakes/sts.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const KEYS = { accessKeyId: 'AKIDRANKWAYTEST', secretAccessKey: 'bedrock-test-secret' };
const BASE = { accessKeyId: 'AKIDROLEBASE', secretAccessKey: 'role-base-secret' };
const API_KEY = 'bedrock-api-key-abc';

const docs = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `document ${i} about ${i % 7 === 0 ? 'exercise and health' : 'cooking'} number ${i}`);

describe('bedrock as a rerank upstream', () => {
  let bedrock: FakeBedrock;
  let sts: FakeSts;
  let gw: RunningGateway;

  before(async () => {
    // Session credentials STS issues become valid on the fake Bedrock too.
    const known: SigV4Secret[] = [KEYS];
    sts = await startFakeSts({ caller: BASE, issueInto: known });
    bedrock = await startFakeBedrock({
      region: 'us-west-2',
      credentials: known,
      apiKeys: [API_KEY],
      routes: bedrockRerankRoutes('us-west-2'),
    });
    const endpoints = { runtime_endpoint: bedrock.url, agent_runtime_endpoint: bedrock.url };
    gw = await startGateway({
      providers: [
        {
          name: 'bedrock',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: KEYS.accessKeyId,
          secret_access_key: KEYS.secretAccessKey,
          max_retries: 1,
          ...endpoints,
        },
        { name: 'bedrock-key', type: 'bedrock', region: 'us-west-2', api_key: API_KEY, ...endpoints },
        {
          name: 'bedrock-badrole',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: 'AKIDNOTSTSCALLER',
          secret_access_key: 'nope',
          role_arn: 'arn:aws:iam::123456789012:role/denied',
          sts_endpoint: sts.url,
          ...endpoints,
        },
        {
          name: 'bedrock-role',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: BASE.accessKeyId,
          secret_access_key: BASE.secretAccessKey,
          role_arn: 'arn:aws:iam::123456789012:role/rerank',
          sts_endpoint: sts.url,
          ...endpoints,
        },
      ],
      models: [
        { name: 'role-refused', target: 'bedrock-badrole/cohere.rerank-v3-5:0', fallbacks: ['local/bm25'] },
        { name: 'cohere-invoke', target: 'bedrock/cohere.rerank-v3-5:0', bedrock_route: 'invoke-model' },
        { name: 'amazon-invoke', target: 'bedrock/amazon.rerank-v1:0', bedrock_route: 'invoke-model' },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
    await sts.close();
  });
  const reset = () => {
    bedrock.requests.length = 0;
    bedrock.accepted.length = 0;
  };

  it('2,400 documents make 3 signed Agent Runtime calls and merge into one ranking', async () => {
    reset();
    const documents = docs(2400);
    const res = await gw.post('/v1/rerank', {
      model: 'bedrock/cohere.rerank-v3-5:0',
      query: 'health benefits of exercise',
      documents,
      top_n: 5000,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(bedrock.accepted.length, 3);
    assert.ok(bedrock.accepted.every((r) => r.signedBy === KEYS.accessKeyId && r.path === '/rerank'));
    const sizes = bedrock.accepted.map((r) => r.json.sources.length).sort((a, b) => a - b);
    assert.deepEqual(sizes, [400, 1000, 1000]);
    for (const r of bedrock.accepted) {
      const cfg = r.json.rerankingConfiguration.bedrockRerankingConfiguration;
      assert.equal(cfg.numberOfResults, r.json.sources.length, 'top_n is clamped to each call');
      assert.equal(cfg.modelConfiguration.modelArn, 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0');
    }
    const expected = rank('health benefits of exercise', documents);
    assert.equal(res.json.results.length, 2400);
    assert.deepEqual(
      res.json.results.slice(0, 20).map((r: any) => r.index),
      expected.slice(0, 20).map((r) => r.index),
    );
    assert.equal(res.json.meta.billed_units.search_units, 24, 'one search unit per 100 documents of each call');
    // 24 search units at Cohere Rerank 3.5's default $2 per 1,000.
    const cost = costUsd(
      { inputTokens: 0, outputTokens: 0, queries: 0, searchUnits: res.json.meta.billed_units.search_units },
      defaultPrice('cohere.rerank-v3-5:0'),
    );
    assert.ok(Math.abs(cost - 0.048) < 1e-9);
    assert.ok(defaultPrice('arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0'), 'ARN models find their default price');
  });

  it('never sends numberOfResults above the number of sources', async () => {
    reset();
    const res = await gw.post('/v1/rerank', {
      model: 'bedrock/amazon.rerank-v1:0',
      query: 'exercise',
      documents: ['a run', 'exercise daily', 'soup'],
      top_n: 10,
      return_documents: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(bedrock.accepted[0].json.rerankingConfiguration.bedrockRerankingConfiguration.numberOfResults, 3);
    assert.equal(res.json.results.length, 3);
    assert.equal(res.json.results[0].document.text, 'exercise daily', 'return_documents is back-filled by the gateway');
    assert.equal(res.json.meta.billed_units.search_units, 1, 'billing is never zero');
  });

  it('accepts a full ARN as the model and passes extra fields as additionalModelRequestFields', async () => {
    reset();
    const arn = 'arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0';
    const res = await gw.post('/v1/rerank', {
      model: `bedrock/${arn}`,
      query: 'q',
      documents: ['x', 'y'],
      max_tokens_per_doc: 512,
      extra: { priority_hint: 'low' },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const mc = bedrock.accepted[0].json.rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration;
    assert.equal(mc.modelArn, arn);
    assert.deepEqual(mc.additionalModelRequestFields, { priority_hint: 'low', max_tokens_per_doc: 512 });
  });

  it('sends rank_fields objects as JSON sources and plain documents as TEXT', async () => {
    reset();
    const res = await gw.post('/v1/rerank', {
      model: 'bedrock/cohere.rerank-v3-5:0',
      query: 'berlin',
      rank_fields: ['title', 'body'],
      documents: [
        { id: 'p', title: 'Paris', body: 'capital of France', meta: { a: 1 } },
        { id: 'b', title: 'Berlin', body: 'in Germany' },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const sources = bedrock.accepted[0].json.sources;
    assert.deepEqual(sources[1], {
      type: 'INLINE',
      inlineDocumentSource: { type: 'JSON', jsonDocument: { title: 'Berlin', body: 'in Germany' } },
    });
    reset();
    await gw.post('/v1/rerank', { model: 'bedrock/cohere.rerank-v3-5:0', query: 'q', documents: [{ id: 'a', text: 'plain' }] });
    assert.deepEqual(bedrock.accepted[0].json.sources[0], {
      type: 'INLINE',
      inlineDocumentSource: { type: 'TEXT', textDocument: { text: 'plain' } },
    });
  });

  it('routes an alias with bedrock_route: invoke-model to InvokeModel with each model body', async () => {
    reset();
    const co = await gw.post('/v1/rerank', {
      model: 'cohere-invoke',
      query: 'exercise',
      documents: ['exercise daily', 'soup', 'a run'],
      top_n: 2,
      cache: false,
    });
    assert.equal(co.status, 200, JSON.stringify(co.json));
    assert.equal(bedrock.accepted[0].path, '/model/cohere.rerank-v3-5%3A0/invoke');
    assert.deepEqual(bedrock.accepted[0].json, {
      query: 'exercise',
      documents: ['exercise daily', 'soup', 'a run'],
      top_n: 2,
      api_version: 2,
    });
    assert.equal(co.json.results.length, 2);
    assert.equal(co.json.results[0].index, 0);

    const am = await gw.post('/v1/rerank', {
      model: 'amazon-invoke',
      query: 'exercise',
      documents: ['soup', 'exercise daily'],
      cache: false,
    });
    assert.equal(am.status, 200, JSON.stringify(am.json));
    assert.deepEqual(bedrock.accepted[1].json, { query: 'exercise', documents: ['soup', 'exercise daily'] });
    assert.equal(am.json.results[0].index, 1);
  });

  it('an API-key-only instance reranks through InvokeModel with Bearer auth', async () => {
    reset();
    const res = await gw.post('/v1/rerank', {
      model: 'bedrock-key/cohere.rerank-v3-5:0',
      query: 'exercise',
      documents: ['soup', 'exercise daily'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(bedrock.accepted[0].signedBy, 'bearer');
    assert.equal(bedrock.accepted[0].headers.authorization, `Bearer ${API_KEY}`);
  });

  it('signs with credentials from an assumed role', async () => {
    reset();
    const res = await gw.post('/v1/rerank', {
      model: 'bedrock-role/cohere.rerank-v3-5:0',
      query: 'exercise',
      documents: ['soup', 'exercise daily'],
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(sts.calls.length, 1);
    assert.equal(sts.calls[0].roleArn, 'arn:aws:iam::123456789012:role/rerank');
    assert.equal(bedrock.accepted[0].signedBy, sts.issued[0].accessKeyId);
    assert.equal(bedrock.accepted[0].headers['x-amz-security-token'], sts.issued[0].sessionToken);
  });

  it('falls back when AWS credentials cannot be obtained, without leaking why', async () => {
    reset();
    const res = await gw.post('/v1/rerank', { model: 'role-refused', query: 'exercise', documents: ['soup', 'exercise daily'] });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.extra_fields.provider, 'local');
    assert.equal(bedrock.requests.length, 0, 'nothing unsigned reached Bedrock');
    const direct = await gw.post('/v1/rerank', { model: 'bedrock-badrole/cohere.rerank-v3-5:0', query: 'q', documents: ['a'] });
    assert.equal(direct.status, 502);
    assert.equal(direct.json.error.code, 'upstream_auth_failed');
    assert.ok(!JSON.stringify(direct.json).includes('denied') && !JSON.stringify(direct.json).includes('123456789012'));
  });

  it('maps AWS errors to failure classes and keeps account details out of the answer', async () => {
    const original = bedrock.handler;
    try {
      let calls = 0;
      bedrock.handler = (_req, res) => {
        calls++;
        awsError(
          res,
          403,
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/secret-role/s is not authorized to perform: bedrock:Rerank on resource: arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0',
        );
      };
      const denied = await gw.post('/v1/rerank', { model: 'bedrock/cohere.rerank-v3-5:0', query: 'q', documents: ['a'] });
      assert.equal(denied.status, 502);
      assert.equal(calls, 1, 'credential failures are not retried');
      const text = JSON.stringify(denied.json);
      assert.match(text, /AccessDeniedException/);
      for (const leak of ['123456789012', 'secret-role', 'us-west-2', 'arn:aws']) assert.ok(!text.includes(leak), `answer leaks ${leak}`);

      calls = 0;
      bedrock.handler = (_req, res) => {
        calls++;
        awsError(res, 400, 'ValidationException', 'bad input for arn:aws:bedrock:us-west-2::foundation-model/x');
      };
      const invalid = await gw.post('/v1/rerank', { model: 'bedrock/cohere.rerank-v3-5:0', query: 'q', documents: ['a'] });
      assert.equal(invalid.status, 400);
      assert.equal(calls, 1);
      assert.ok(!JSON.stringify(invalid.json).includes('arn:aws'));

      calls = 0;
      bedrock.handler = (req, res) => {
        calls++;
        if (calls === 1) return awsError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
        return original(req, res);
      };
      const throttled = await gw.post('/v1/rerank', { model: 'bedrock/cohere.rerank-v3-5:0', query: 'q', documents: ['a'] });
      assert.equal(throttled.status, 200, 'a throttled call is retried');
      assert.equal(calls, 2);
    } finally {
      bedrock.handler = original;
    }
  });
});
