import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { checkRerankResult } from '../../../src/core/rerank/validate.js';
import { sendJson, startFake, type FakeServer } from '../../helpers/fake-server.js';
import { startFakeCohere } from '../../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../../helpers/gateway.js';

const result = (scores: Array<{ index: number; score: number }>) => ({ scores, usage: {} });

describe('upstream rerank answers are checked once in core', () => {
  it('accepts unique in-range indexes with finite scores, fewer results than documents included', () => {
    assert.doesNotThrow(() =>
      checkRerankResult(
        result([
          { index: 2, score: 0.1 },
          { index: 0, score: -3 },
        ]),
        3,
        'p/m',
      ),
    );
    assert.doesNotThrow(() => checkRerankResult(result([]), 3, 'p/m'));
  });

  for (const [what, scores] of [
    [
      'a duplicate index',
      [
        { index: 0, score: 0.9 },
        { index: 0, score: 0.8 },
      ],
    ],
    ['an index past the documents', [{ index: 3, score: 0.9 }]],
    ['a negative index', [{ index: -1, score: 0.9 }]],
    ['a fractional index', [{ index: 0.5, score: 0.9 }]],
    [
      'more results than documents',
      [
        { index: 0, score: 1 },
        { index: 1, score: 1 },
        { index: 2, score: 1 },
        { index: 2, score: 1 },
      ],
    ],
    ['a NaN score', [{ index: 0, score: Number.NaN }]],
    ['an infinite score', [{ index: 1, score: Number.POSITIVE_INFINITY }]],
  ] as const) {
    it(`refuses ${what} as a retryable bad upstream response`, () => {
      assert.throws(
        () => checkRerankResult(result(scores.map((s) => ({ ...s }))), 3, 'p/m'),
        (e: any) => e.code === 'upstream_bad_response' && e.failure === 'bad_response' && e.isRetryable && e.allowsFallback,
      );
    });
  }
});

describe('duplicate result indexes from an upstream (regression: index 0 twice reached the caller)', () => {
  let dup: FakeServer;
  let good: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    // A Cohere-shaped answer whose results are well-formed one by one but name document 0 twice.
    dup = await startFake((_req, res) =>
      sendJson(res, 200, {
        id: 'x',
        results: [
          { index: 0, relevance_score: 0.9 },
          { index: 0, relevance_score: 0.8 },
        ],
        meta: { billed_units: { search_units: 1 } },
      }),
    );
    good = await startFakeCohere({ apiKey: 'k' });
    gw = await startGateway({
      providers: [
        { name: 'dup', type: 'cohere', api_key: 'k', base_url: dup.url, max_retries: 1 },
        { name: 'good', type: 'cohere', api_key: 'k', base_url: good.url },
      ],
      models: [{ name: 'ranked', target: 'dup/rerank-v3.5', fallbacks: ['good/rerank-v3.5'], cache: 'off' }],
    });
  });
  after(async () => {
    await gw.close();
    await dup.close();
    await good.close();
  });

  it('retries the bad answer, then falls back, and the caller sees each document once', async () => {
    const res = await gw.post('/v1/rerank', { model: 'ranked', query: 'metrics', documents: ['metrics and traces', 'kubernetes'] });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(dup.requests.length, 2, 'the bad answer was retried once (max_retries: 1)');
    assert.equal(good.requests.length, 1);
    assert.deepEqual(res.json.results.map((r: any) => r.index).sort(), [0, 1]);
  });

  it('without a fallback the caller gets a 502 upstream_bad_response, never the duplicates', async () => {
    const res = await gw.post('/v1/rerank', {
      model: 'dup/rerank-v3.5',
      query: 'metrics',
      documents: ['metrics and traces', 'kubernetes'],
    });
    assert.equal(res.status, 502, JSON.stringify(res.json));
    assert.equal(res.json.error.code, 'upstream_bad_response');
  });
});
