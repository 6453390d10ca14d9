import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CohereClient, CohereClientV2, CohereError } from 'cohere-ai';
import type { FakeServer } from '../../helpers/fake-server.js';
import { startFakeCohere, startFakeJina, startFakeTei, startFakeVllm, startFakeVoyage } from '../../helpers/fakes/rerank-fakes.js';
import { rank } from '../../helpers/fakes/scoring.js';
import { makeServiceAccount, startFakeGoogle, type FakeGoogle } from '../../helpers/fakes/vertex-fake.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

// Each vendor's own example request, as its documentation shows it.
const COHERE_V2 = {
  model: 'rerank-v3.5',
  query: 'What is the capital of the United States?',
  documents: [
    'Carson City is the capital city of the American state of Nevada.',
    'The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan.',
    'Washington, D.C. (also known as simply Washington or D.C., and officially as the District of Columbia) is the capital of the United States.',
    'Capital punishment has existed in the United States since before the United States was a country.',
  ],
  top_n: 3,
};
const VOYAGE = {
  query: "When is Apple's conference call scheduled?",
  documents: [
    'The Mediterranean diet emphasizes fish, olive oil, and vegetables, believed to reduce chronic diseases.',
    'Photosynthesis in plants converts light energy into glucose and produces essential oxygen.',
    "Apple's conference call to discuss fourth fiscal quarter results is scheduled for Thursday, November 2, 2023.",
    "Shakespeare's works, like Hamlet and A Midsummer Night's Dream, endure in literature.",
  ],
  model: 'rerank-2.5',
  top_k: 2,
  return_documents: true,
};
const JINA = {
  model: 'jina-reranker-v2-base-multilingual',
  query: 'Organic skincare products for sensitive skin',
  top_n: 3,
  documents: [
    'Organic skincare for sensitive skin with aloe vera and chamomile.',
    'New makeup trends focus on bold colors and innovative techniques',
    'Bio-Hautpflege für empfindliche Haut mit Aloe Vera und Kamille',
    'Natural organic skincare range for sensitive skin',
  ],
};
const TEI = { query: 'What is Deep Learning?', texts: ['Deep Learning is not...', 'Deep learning is...'], return_text: true };
const VERTEX = {
  model: 'semantic-ranker-512@latest',
  query: 'capital of France?',
  topN: 2,
  records: [
    { id: 'fr', title: 'France', content: 'Paris is the capital of France.' },
    { id: 'de', content: 'Berlin is in Germany.' },
    { id: 'it', title: 'Italy', content: 'Rome is the capital of Italy.' },
  ],
};
const TEI_MODEL = 'tei-reranker';

/** Two gateways map each vendor's model name to a provider of another vendor. */
const SETUPS = [
  {
    name: 'setup A',
    map: {
      'rerank-v3.5': 'voyage/rerank-2.5',
      'rerank-2.5': 'cohere/rerank-v3.5',
      'jina-reranker-v2-base-multilingual': 'tei/bge',
      'semantic-ranker-512@latest': 'cohere/rerank-v3.5',
      [TEI_MODEL]: 'vertex/semantic-ranker-default@latest',
    },
  },
  {
    name: 'setup B',
    map: {
      'rerank-v3.5': 'vertex/semantic-ranker-default@latest',
      'rerank-2.5': 'jina/jina-reranker-v2-base-multilingual',
      'jina-reranker-v2-base-multilingual': 'vllm/bge',
      'semantic-ranker-512@latest': 'voyage/rerank-2.5',
      [TEI_MODEL]: 'cohere/rerank-v3.5',
    },
  },
] as const;

describe('rerank dialects, each served by other vendors', () => {
  let fakes: FakeServer[];
  let google: FakeGoogle;
  const gateways = new Map<string, RunningGateway>();

  before(async () => {
    const [cohere, voyage, jina, tei, vllm] = await Promise.all([
      startFakeCohere({ apiKey: 'co' }),
      startFakeVoyage({ apiKey: 'vo' }),
      startFakeJina({ apiKey: 'ji' }),
      startFakeTei(),
      startFakeVllm(),
    ]);
    fakes = [cohere, voyage, jina, tei, vllm];
    google = await startFakeGoogle();
    const account = makeServiceAccount(`${google.server.url}/token`);
    google.trust(account.key.client_email, account.publicKeyPem);
    const providers = [
      { name: 'cohere', type: 'cohere', api_key: 'co', base_url: cohere.url },
      { name: 'voyage', type: 'voyage', api_key: 'vo', base_url: voyage.url },
      { name: 'jina', type: 'jina', api_key: 'ji', base_url: jina.url },
      { name: 'tei', type: 'tei', base_url: tei.url },
      { name: 'vllm', type: 'vllm', base_url: vllm.url },
      { name: 'vertex', type: 'vertex', project: 'p', base_url: google.server.url, credentials_json: account.key },
    ];
    for (const setup of SETUPS) {
      const models = Object.entries(setup.map).map(([name, target]) => ({ name, target }));
      gateways.set(setup.name, await startGateway({ providers, models, dialects: { tei: { model: TEI_MODEL } } }));
    }
  });
  after(async () => {
    for (const gw of gateways.values()) await gw.close();
    await Promise.all([...fakes.map((f) => f.close()), google.server.close()]);
  });

  for (const setup of SETUPS) {
    describe(setup.name, () => {
      const gw = () => gateways.get(setup.name)!;

      it(`Cohere v2 example -> ${setup.map['rerank-v3.5']}`, async () => {
        const res = await gw().post('/cohere/v2/rerank', COHERE_V2);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const expected = rank(COHERE_V2.query, COHERE_V2.documents, 3);
        assert.deepEqual(
          res.json.results,
          expected.map((e) => ({ index: e.index, relevance_score: e.score })),
        );
        assert.equal(res.json.meta.api_version.version, '2');
        assert.equal(res.json.extra_fields.model_used, setup.map['rerank-v3.5']);
      });

      it(`Cohere v1 example with object documents -> ${setup.map['rerank-v3.5']}`, async () => {
        const res = await gw().post('/cohere/v1/rerank', {
          model: 'rerank-v3.5',
          query: 'capital of France?',
          documents: [{ text: 'Paris is the capital.', id: 'a' }, 'Berlin is in Germany.'],
          top_n: 1,
          return_documents: true,
        });
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.deepEqual(res.json.results[0].document, { text: 'Paris is the capital.', id: 'a' });
      });

      it(`Voyage example -> ${setup.map['rerank-2.5']}`, async () => {
        const res = await gw().post('/voyage/v1/rerank', VOYAGE);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const expected = rank(VOYAGE.query, VOYAGE.documents, 2);
        assert.equal(res.json.object, 'list');
        assert.equal(res.json.model, 'rerank-2.5');
        assert.deepEqual(
          res.json.data,
          expected.map((e) => ({ index: e.index, relevance_score: e.score, document: VOYAGE.documents[e.index] })),
        );
        assert.equal(typeof res.json.usage.total_tokens, 'number');
        assert.equal(res.json.results, undefined);
      });

      it(`Jina example -> ${setup.map['jina-reranker-v2-base-multilingual']}`, async () => {
        const res = await gw().post('/jina/v1/rerank', JINA);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const expected = rank(JINA.query, JINA.documents, 3);
        assert.equal(res.json.model, JINA.model);
        assert.deepEqual(
          res.json.results,
          expected.map((e) => ({ index: e.index, relevance_score: e.score, document: { text: JINA.documents[e.index] } })),
        );
        assert.equal(typeof res.json.usage.total_tokens, 'number');
      });

      it(`TEI example -> ${setup.map[TEI_MODEL]} (model from dialects.tei.model)`, async () => {
        const res = await gw().post('/tei/rerank', TEI);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        assert.ok(Array.isArray(res.json));
        const expected = rank(TEI.query, TEI.texts);
        assert.deepEqual(
          res.json,
          expected.map((e) => ({ index: e.index, text: TEI.texts[e.index], score: e.score })),
        );
      });

      it(`Vertex example -> ${setup.map['semantic-ranker-512@latest']}`, async () => {
        const res = await gw().post('/vertex/v1/projects/my-proj/locations/global/rankingConfigs/default_ranking_config:rank', VERTEX);
        assert.equal(res.status, 200, JSON.stringify(res.json));
        const texts = VERTEX.records.map((r) => r.content);
        const expected = rank(VERTEX.query, texts, 2);
        assert.deepEqual(
          res.json.records,
          expected.map((e) => ({ ...VERTEX.records[e.index], score: e.score })),
        );
        const lean = await gw().post('/vertex/v1/projects/my-proj/locations/global/rankingConfigs/default_ranking_config:rank', {
          ...VERTEX,
          ignoreRecordDetailsInResponse: true,
        });
        assert.deepEqual(
          lean.json.records,
          expected.map((e) => ({ id: VERTEX.records[e.index].id, score: e.score })),
        );
      });
    });
  }

  it('the official cohere-ai client works against /cohere, errors included', async () => {
    const gw = gateways.get('setup A')!;
    const client = new CohereClientV2({ token: 'unused', environment: `${gw.url}/cohere` });
    const res = await client.rerank({ model: 'rerank-v3.5', query: COHERE_V2.query, documents: COHERE_V2.documents, topN: 2 });
    const expected = rank(COHERE_V2.query, COHERE_V2.documents, 2);
    assert.deepEqual(
      res.results.map((r) => [r.index, r.relevanceScore]),
      expected.map((e) => [e.index, e.score]),
    );
    const v1 = new CohereClient({ token: 'unused', environment: `${gw.url}/cohere` });
    const old = await v1.rerank({
      model: 'rerank-v3.5',
      query: COHERE_V2.query,
      documents: [{ text: COHERE_V2.documents[2] }, { text: COHERE_V2.documents[0] }],
      returnDocuments: true,
    });
    assert.equal(old.results.length, 2);
    assert.equal(old.results.find((r) => r.index === 0)?.document?.text, COHERE_V2.documents[2]);
    await assert.rejects(
      client.rerank({ model: 'rerank-v3.5', query: '', documents: ['a'] }),
      (err: unknown) =>
        err instanceof CohereError && err.statusCode === 400 && (err.body as any).message === 'query is required for rerank',
    );
  });

  describe("errors come back in each dialect's own shape", () => {
    const gw = () => gateways.get('setup A')!;
    it('Cohere: {id, message}', async () => {
      const res = await gw().post('/cohere/v2/rerank', { model: 'rerank-v3.5', documents: ['a'] });
      assert.equal(res.status, 400);
      assert.deepEqual(Object.keys(res.json).sort(), ['id', 'message']);
      assert.equal(res.json.message, 'query is required for rerank');
      const objects = await gw().post('/cohere/v2/rerank', { model: 'rerank-v3.5', query: 'q', documents: [{ text: 'a' }] });
      assert.equal(objects.status, 400);
      assert.match(objects.json.message, /documents\[0\] must be a string/);
    });
    it('Voyage and Jina: {detail}', async () => {
      const v = await gw().post('/voyage/v1/rerank', { model: 'rerank-2.5', query: 'q', documents: [] });
      assert.equal(v.status, 400);
      assert.deepEqual(v.json, { detail: 'documents are required for rerank' });
      const j = await gw().post('/jina/v1/rerank', { model: 'nope/unknown', query: 'q', documents: ['a'] });
      assert.equal(j.status, 404);
      assert.equal(typeof j.json.detail, 'string');
      const unknown = await gw().post('/voyage/v1/embeddings', { input: 'x' });
      assert.equal(unknown.status, 404);
      assert.match(unknown.json.detail, /No route for POST \/voyage\/v1\/embeddings/);
      const bad = await gw().post('/jina/v1/rerank', '{not json');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.detail, 'Request body is not valid JSON');
    });
    it('TEI: {error, error_type}; a missing model is explained', async () => {
      const empty = await gw().post('/tei/rerank', { query: 'q', texts: [] });
      assert.equal(empty.status, 400);
      assert.deepEqual(empty.json, { error: 'texts are required for rerank', error_type: 'Empty' });
      const noQuery = await gw().post('/tei/rerank', { texts: ['a'] });
      assert.deepEqual(noQuery.json, { error: 'query is required for rerank', error_type: 'Validation' });
      const bare = await startGateway({});
      try {
        const res = await bare.post('/tei/rerank', { query: 'q', texts: ['a'] });
        assert.equal(res.status, 400);
        assert.match(res.json.error, /x-rankway-model/);
        const ok = await bare.post(
          '/tei/rerank',
          { query: 'rotate keys', texts: ['rotate keys now', 'metrics'], raw_scores: true },
          { 'x-rankway-model': 'local/bm25' },
        );
        assert.equal(ok.status, 200);
        assert.equal(ok.json[0].index, 0);
        // raw scores are logits: the best one is positive, the worst (0 probability) far below.
        assert.ok(ok.json[0].score > ok.json[1].score);
      } finally {
        await bare.close();
      }
    });
    it('Vertex: {error: {code, message, status}}', async () => {
      const path = '/vertex/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:rank';
      const res = await gw().post(path, { model: 'semantic-ranker-512@latest', query: 'q', records: [{ id: '1' }] });
      assert.equal(res.status, 400);
      assert.deepEqual(res.json, { error: { code: 400, message: 'records[0] needs a title or content', status: 'INVALID_ARGUMENT' } });
      const noModel = await gw().post(path, { query: 'q', records: [{ id: '1', content: 'x' }] });
      assert.equal(noModel.json.error.status, 'INVALID_ARGUMENT');
      assert.match(noModel.json.error.message, /dialects\.vertex\.model/);
      const wrongMethod = await gw().post('/vertex/v1/projects/p/locations/global/rankingConfigs/default_ranking_config:explode', VERTEX);
      assert.equal(wrongMethod.status, 404);
      assert.equal(wrongMethod.json.error.status, 'NOT_FOUND');
    });
  });
});
