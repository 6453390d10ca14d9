import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsError, startFakeBedrock, type FakeBedrock } from '../../helpers/fakes/bedrock.js';
import { bedrockRerankRoutes } from '../../helpers/fakes/bedrock-rerank.js';
import { startFakeCohere } from '../../helpers/fakes/rerank-fakes.js';
import type { FakeServer } from '../../helpers/fake-server.js';
import { EXERCISE_INDICES, EXERCISE_QUERY, nativeRerankBody } from '../../helpers/bedrock-native.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const UPSTREAM = { accessKeyId: 'AKIDUPSTREAMNATIVE', secretAccessKey: 'upstream-native-secret' };

describe('native Bedrock rerank API', () => {
  let bedrock: FakeBedrock;
  let cohere: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    bedrock = await startFakeBedrock({ region: 'us-west-2', credentials: [UPSTREAM], routes: bedrockRerankRoutes('us-west-2') });
    cohere = await startFakeCohere({ apiKey: 'co-key' });
    gw = await startGateway({
      providers: [
        {
          name: 'aws-west',
          type: 'bedrock',
          region: 'us-west-2',
          access_key_id: UPSTREAM.accessKeyId,
          secret_access_key: UPSTREAM.secretAccessKey,
          runtime_endpoint: bedrock.url,
          agent_runtime_endpoint: bedrock.url,
          max_retries: 1,
        },
        { name: 'cohere', type: 'cohere', api_key: 'co-key', base_url: cohere.url },
      ],
      models: [
        {
          name: 'served-by-cohere',
          target: 'cohere/rerank-v3.5',
          arns: ['arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0'],
        },
        { name: 'served-locally', target: 'local/bm25', arns: ['amazon.rerank-v1:0'] },
      ],
    });
  });
  after(async () => {
    await gw.close();
    await bedrock.close();
    await cohere.close();
  });

  it("answers the issue's example through a Bedrock provider with the exercise documents first", async () => {
    bedrock.accepted.length = 0;
    const res = await gw.post('/rerank', nativeRerankBody({ numberOfResults: 3 }));
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.deepEqual(Object.keys(res.json), ['results']);
    assert.equal(res.json.results.length, 3);
    assert.deepEqual(res.json.results.map((r: any) => r.index).sort(), EXERCISE_INDICES);
    for (const r of res.json.results) assert.deepEqual(Object.keys(r), ['index', 'relevanceScore']);
    assert.ok(res.json.results[0].relevanceScore >= res.json.results[2].relevanceScore);
    assert.equal(bedrock.accepted.length, 1, 'one signed call to the Agent Runtime');
    assert.equal(bedrock.accepted[0].json.queries[0].textQuery.text, EXERCISE_QUERY);
  });

  it('serves /bedrock/rerank with the same handler', async () => {
    const a = await gw.post('/rerank', nativeRerankBody({ numberOfResults: 2 }));
    const b = await gw.post('/bedrock/rerank', nativeRerankBody({ numberOfResults: 2 }));
    assert.equal(b.status, 200);
    assert.deepEqual(b.json, a.json);
  });

  it('routes a modelArn declared under a model entry to another reranker', async () => {
    cohere.requests.length = 0;
    const byArn = await gw.post(
      '/rerank',
      nativeRerankBody({ modelArn: 'arn:aws:bedrock:eu-central-1::foundation-model/cohere.rerank-v3-5:0' }),
    );
    assert.equal(byArn.status, 200, JSON.stringify(byArn.json));
    assert.equal(cohere.requests.length, 1, 'the Cohere provider served it');
    assert.equal(byArn.json.results.length, 5, 'all sources when numberOfResults is absent');

    const byId = await gw.post(
      '/rerank',
      nativeRerankBody({ modelArn: 'arn:aws:bedrock:ap-south-1::foundation-model/amazon.rerank-v1:0', numberOfResults: 3 }),
    );
    assert.equal(byId.status, 200, JSON.stringify(byId.json));
    assert.deepEqual(byId.json.results.map((r: any) => r.index).sort(), EXERCISE_INDICES, 'the built-in BM25 reranker agrees');
  });

  it('passes JSON sources and additionalModelRequestFields through to Bedrock', async () => {
    bedrock.accepted.length = 0;
    const res = await gw.post(
      '/rerank',
      nativeRerankBody({ sources: ['plain text', { title: 'Exercise', body: 'health benefits' }], extra: { max_tokens_per_doc: 256 } }),
    );
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const sent = bedrock.accepted[0].json;
    assert.deepEqual(sent.sources[1], {
      type: 'INLINE',
      inlineDocumentSource: { type: 'JSON', jsonDocument: { title: 'Exercise', body: 'health benefits' } },
    });
    assert.deepEqual(sent.rerankingConfiguration.bedrockRerankingConfiguration.modelConfiguration.additionalModelRequestFields, {
      max_tokens_per_doc: 256,
    });
  });

  it('validates like the real service and answers AWS rest-json errors', async () => {
    const cases: Array<[string, Record<string, any> | string, RegExp]> = [
      [
        'two queries',
        { ...nativeRerankBody(), queries: [nativeRerankBody().queries[0], nativeRerankBody().queries[0]] },
        /Value at 'queries'/,
      ],
      ['no sources', nativeRerankBody({ sources: [] }), /Value at 'sources'/],
      [
        '1,001 sources',
        nativeRerankBody({ sources: Array.from({ length: 1001 }, (_, i) => `doc ${i}`) }),
        /Value at 'sources'.*less than or equal to 1000/,
      ],
      [
        'numberOfResults above sources',
        nativeRerankBody({ numberOfResults: 6 }),
        /numberOfResults should be less than or equal to the number of sources/,
      ],
      ['numberOfResults zero', nativeRerankBody({ numberOfResults: 0 }), /numberOfResults/],
      [
        'bad ARN',
        nativeRerankBody({ modelArn: 'arn:aws:bedrock:us-west-2::foundation-model/Cohere Rerank!' }),
        /modelArn.*regular expression/,
      ],
      ['empty text', nativeRerankBody({ sources: [''] }), /textDocument\.text/],
      ['unknown type', { ...nativeRerankBody(), rerankingConfiguration: { type: 'OTHER' } }, /rerankingConfiguration/],
      ['not JSON', '{"queries":', /not valid JSON/],
    ];
    for (const [name, body, message] of cases) {
      const res = await gw.post('/rerank', body);
      assert.equal(res.status, 400, name);
      assert.equal(res.headers.get('x-amzn-errortype'), 'ValidationException', name);
      assert.ok(res.headers.get('x-amzn-requestid'), name);
      assert.deepEqual(Object.keys(res.json), ['message'], name);
      assert.match(res.json.message, message, `${name}: ${res.json.message}`);
    }
  });

  it('answers ResourceNotFoundException for a model nobody serves', async () => {
    const res = await gw.post(
      '/rerank',
      nativeRerankBody({ modelArn: 'arn:aws:bedrock:sa-east-1::foundation-model/cohere.rerank-v3-5:0' }),
    );
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
  });

  it('redacts Bedrock error text and keeps the AWS semantics', async () => {
    const original = bedrock.handler;
    try {
      bedrock.handler = (_req, res) =>
        awsError(
          res,
          403,
          'AccessDeniedException',
          'User: arn:aws:sts::123456789012:assumed-role/prod-rerank/x is not authorized to perform bedrock:Rerank in us-west-2',
        );
      const denied = await gw.post('/rerank', nativeRerankBody(), { 'cache-control': 'no-cache' });
      assert.equal(denied.status, 502);
      assert.equal(denied.headers.get('x-amzn-errortype'), 'BadGatewayException');
      for (const leak of ['123456789012', 'prod-rerank', 'us-west-2', 'arn:'])
        assert.ok(!denied.json.message.includes(leak), `leaks ${leak}`);

      bedrock.handler = (_req, res) => awsError(res, 429, 'ThrottlingException', 'Rate exceeded for account 123456789012');
      const throttled = await gw.post('/rerank', nativeRerankBody(), { 'cache-control': 'no-cache' });
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('x-amzn-errortype'), 'ThrottlingException');
      assert.equal(throttled.headers.get('x-should-retry'), 'false', 'the gateway spent its retries');
      assert.ok(!throttled.json.message.includes('123456789012'));
    } finally {
      bedrock.handler = original;
    }
  });
});

describe('native Bedrock rerank API caller auth', () => {
  let gw: RunningGateway;
  const KEY = 'rw-native-key';
  before(async () => {
    const { createHash } = await import('node:crypto');
    gw = await startGateway({
      server: {
        auth: 'keys',
        keys: [{ name: 'team', key_sha256: createHash('sha256').update(KEY).digest('hex') }],
        aws_access_keys: [{ name: 'sdk', access_key_id: 'RWAKIDNATIVETEST01', secret_access_key: 'native-test-secret-0001' }],
      },
      models: [{ name: 'bm25', target: 'local/bm25', arns: ['cohere.rerank-v3-5:0'] }],
    });
  });
  after(() => gw.close());

  it('accepts x-api-key and Authorization: Bearer', async () => {
    assert.equal((await gw.post('/rerank', nativeRerankBody(), { 'x-api-key': KEY })).status, 200);
    assert.equal((await gw.post('/rerank', nativeRerankBody(), { authorization: `Bearer ${KEY}` })).status, 200);
  });

  it('refuses missing, wrong and unknown credentials with AccessDeniedException', async () => {
    for (const headers of [
      {},
      { 'x-api-key': 'nope' },
      {
        authorization:
          'AWS4-HMAC-SHA256 Credential=RWAKIDUNKNOWN00001/20260101/us-west-2/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
          '0'.repeat(64),
        'x-amz-date': new Date().toISOString().replace(/[-:]|\.\d{3}/g, ''),
      },
    ]) {
      const res = await gw.post('/rerank', nativeRerankBody(), headers as Record<string, string>);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.equal(res.headers.get('x-amzn-errortype'), 'AccessDeniedException');
      assert.ok(!JSON.stringify(res.json).includes(KEY));
    }
  });

  it('keeps the OpenAI envelope and 401 on the unified API', async () => {
    const res = await gw.post('/v1/rerank', { model: 'local/bm25', query: 'q', documents: ['a'] });
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'missing_api_key');
    assert.equal(res.headers.get('x-amzn-errortype'), null);
  });
});
