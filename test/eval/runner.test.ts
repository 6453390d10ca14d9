import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { proxyReranker, type Injector } from '../../src/eval/proxy-reranker.js';
import { runEvaluation } from '../../src/eval/runner.js';
import { seededRandom } from '../../src/eval/stats.js';
import type { EvalSet } from '../../src/eval/sets/types.js';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

/**
 * A generated set: 40 queries, each with 20 documents whose text carries its grade
 * ("grade-2 ..."), so a fake reranker can be good or bad by construction.
 */
function generatedSet(): EvalSet {
  const random = seededRandom(99);
  const documents = new Map<string, string>();
  const queries = Array.from({ length: 40 }, (_, q) => {
    const judgments: Record<string, number> = {};
    const candidates: string[] = [];
    for (let d = 0; d < 20; d++) {
      const id = `q${q}-d${d}`;
      const grade = random() < 0.2 ? 1 + Math.floor(random() * 2) : 0;
      documents.set(id, `grade-${grade} document ${d} for topic ${q}`);
      judgments[id] = grade;
      candidates.push(id);
    }
    judgments[`q${q}-d0`] = Math.max(judgments[`q${q}-d0`], 1); // every query has a relevant document
    documents.set(`q${q}-d0`, `grade-${judgments[`q${q}-d0`]} document 0 for topic ${q}`);
    return { id: String(q), text: `topic ${q}`, judgments, candidates };
  });
  return { name: 'generated', format: 'inline', documents, queries };
}

/** A Cohere-compatible fake whose scores are the documents' grades plus noise of the given size. */
async function fakeReranker(noise: number, seed: number): Promise<FakeServer> {
  const random = seededRandom(seed);
  return startFake((req, res) => {
    const docs: string[] = req.json.documents.map((d: string | { text: string }) => (typeof d === 'string' ? d : d.text));
    const results = docs.map((text, index) => ({ index, relevance_score: Number(/grade-(\d)/.exec(text)![1]) + noise * random() }));
    results.sort((a, b) => b.relevance_score - a.relevance_score);
    sendJson(res, 200, { id: 'x', results, meta: { billed_units: { search_units: 1 } } });
  });
}

describe('evaluation runs through the gateway', () => {
  let good: FakeServer;
  let bad: FakeServer;
  let gw: RunningGateway;
  before(async () => {
    good = await fakeReranker(0.5, 1);
    bad = await fakeReranker(10, 2);
    gw = await startGateway({
      providers: [
        { name: 'good', type: 'cohere', api_key: 'k1', base_url: good.url },
        { name: 'bad', type: 'cohere', api_key: 'k2', base_url: bad.url },
      ],
      models: [
        { name: 'better', target: 'good/rerank-v3.5', price: { per_1k_search_units: 2 } },
        { name: 'worse', target: 'bad/rerank-v3.5', price: { per_1k_search_units: 1 } },
      ],
    });
  });
  after(async () => {
    await gw?.close();
    await good?.close();
    await bad?.close();
  });

  it('finds the better reranker better, with a significant paired interval', async () => {
    const progress: number[] = [];
    const report = await runEvaluation({
      set: generatedSet(),
      models: ['worse', 'better'],
      ks: [1, 5, 10],
      reranker: proxyReranker(gw.gateway.proxy as unknown as Injector),
      concurrency: 3,
      onProgress: (done) => progress.push(done),
    });
    assert.equal(report.queries, 40);
    assert.deepEqual(progress.at(-1), 80);
    const [worse, better] = report.models;
    assert.equal(worse.errors + better.errors, 0);
    assert.ok(better.metrics['ndcg@10'] > worse.metrics['ndcg@10'] + 0.1, `${better.metrics['ndcg@10']} vs ${worse.metrics['ndcg@10']}`);
    const cmp = report.comparisons[0];
    assert.deepEqual([cmp.baseline, cmp.model], ['worse', 'better']);
    assert.ok(cmp.metrics['ndcg@10'].low > 0, 'the 95% interval excludes 0');
    assert.ok(cmp.metrics.map.p < 0.01, `sign test p ${cmp.metrics.map.p}`);
    // Priced through the gateway: 40 calls of one search unit at $2 and $1 per 1,000.
    assert.ok(Math.abs(better.cost_usd - 0.08) < 1e-9, String(better.cost_usd));
    assert.ok(Math.abs(worse.cost_usd - 0.04) < 1e-9, String(worse.cost_usd));
    assert.ok(better.latency_ms.p95 >= better.latency_ms.p50);
    // The pair cache is off for evaluation calls: the upstream saw every query of both runs.
    assert.equal(good.requests.length + bad.requests.length, 80);
  });

  it('records failed calls as errors scored 0, and keeps going', async () => {
    bad.handler = (_req, res) => sendJson(res, 400, { message: 'invalid request' });
    const report = await runEvaluation({
      set: generatedSet(),
      models: ['worse', 'local/bm25'],
      ks: [10],
      reranker: proxyReranker(gw.gateway.proxy as unknown as Injector),
    });
    const [worse, bm25] = report.models;
    assert.equal(worse.errors, 40);
    assert.equal(worse.metrics['ndcg@10'], 0);
    assert.match(worse.per_query[0].error ?? '', /HTTP 400/);
    assert.equal(bm25.errors, 0);
  });

  it('skips queries without relevant documents by default, or scores them 0 when asked', async () => {
    const set = generatedSet();
    const withEmpty: EvalSet = {
      ...set,
      queries: [...set.queries, { id: 'empty', text: 'nothing', judgments: { 'q0-d1': 0 }, candidates: ['q0-d1', 'q0-d2'] }],
    };
    const reranker = proxyReranker(gw.gateway.proxy as unknown as Injector);
    const skipped = await runEvaluation({ set: withEmpty, models: ['better'], ks: [10], reranker });
    assert.deepEqual([skipped.queries, skipped.skipped_queries], [40, 1]);
    const { conventionsOf } = await import('../../src/eval/conventions.js');
    const counted = await runEvaluation({
      set: withEmpty,
      models: ['better'],
      ks: [10],
      reranker,
      conventions: conventionsOf({ queries_without_relevant: 'zero' }),
    });
    assert.equal(counted.queries, 41);
    assert.ok(Math.abs(counted.models[0].metrics.map - (skipped.models[0].metrics.map * 40) / 41) < 1e-9);
    assert.equal(counted.conventions.queries_without_relevant, 'zero');
  });
});
