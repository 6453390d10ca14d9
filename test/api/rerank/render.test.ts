import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRerank } from '../../../src/api/rerank/render.js';
import type { RerankResult } from '../../../src/canonical/rerank.js';

const result = (over: Partial<RerankResult> = {}): RerankResult => ({
  id: 'r1',
  results: [{ index: 0, score: 0.9 }],
  modelRequested: 'search',
  modelUsed: 'bge/BAAI/bge-reranker-v2-m3',
  provider: 'bge',
  usage: { inputTokens: 0, outputTokens: 0, searchUnits: 1, queries: 1 },
  costUsd: 0,
  latencyMs: 1,
  chunks: 3,
  attempts: 3,
  fallbackIndex: 1,
  ...over,
});

describe('rerank answers: the model as DeepIntShield documents it', () => {
  it('the unified API answers the upstream model id (slashes in it kept) and the name sent beside it', () => {
    const out = renderRerank(result(), '1', { upstreamModel: true }) as any;
    assert.equal(out.model, 'BAAI/bge-reranker-v2-m3');
    assert.equal(out.extra_fields.model_requested, 'search');
    assert.equal(out.extra_fields.model_used, 'bge/BAAI/bge-reranker-v2-m3');
    // One merged message, whatever the number of upstream calls.
    assert.equal(out.extra_fields.chunk_index, 0);
    assert.equal(out.extra_fields.chunks, 3);
  });

  it('a degraded (passthrough) answer had no upstream: it keeps the requested name', () => {
    const out = renderRerank(result({ degraded: true, modelUsed: 'passthrough', provider: 'none' }), '1', { upstreamModel: true }) as any;
    assert.equal(out.model, 'search');
  });

  it("Cohere's own API (the /cohere dialect) keeps the name sent and adds no chunk_index", () => {
    const out = renderRerank(result(), '2') as any;
    assert.equal(out.model, 'search');
    assert.equal(out.extra_fields.chunk_index, undefined);
  });
});
