import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { costUsd, defaultPrice } from '../../src/core/pricing.js';

const usage = (input: number, output: number) => ({ inputTokens: input, outputTokens: output, searchUnits: 0, queries: 0 });

describe('default prices for Bedrock chat and embeddings models', () => {
  it('prices Claude 3.5 Sonnet v2 per million input and output tokens, also as a cross-region profile or ARN', () => {
    for (const id of [
      'anthropic.claude-3-5-sonnet-20241022-v2:0',
      'us.anthropic.claude-3-5-sonnet-20241022-v2:0',
      'arn:aws:bedrock:us-west-2:123456789012:inference-profile/eu.anthropic.claude-3-5-sonnet-20241022-v2:0',
    ]) {
      assert.equal(costUsd(usage(1_000_000, 1_000_000), defaultPrice(id)), 18, id);
    }
  });

  it('prices Haiku, Nova, Llama and the embeddings models', () => {
    assert.equal(costUsd(usage(1e6, 1e6), defaultPrice('anthropic.claude-3-5-haiku-20241022-v1:0')), 4.8);
    assert.ok(Math.abs(costUsd(usage(1e6, 1e6), defaultPrice('amazon.nova-micro-v1:0')) - 0.175) < 1e-12);
    assert.equal(costUsd(usage(1e6, 0), defaultPrice('meta.llama3-1-70b-instruct-v1:0')), 0.72);
    assert.equal(costUsd(usage(1e6, 0), defaultPrice('amazon.titan-embed-text-v2:0')), 0.02);
    assert.equal(costUsd(usage(1e6, 0), defaultPrice('cohere.embed-english-v3')), 0.1);
    assert.equal(defaultPrice('some.unknown-model'), undefined);
  });
});

describe('prices never silently zero', () => {
  it("prices the seed's cross-region Claude Sonnet 4.5 id (us., eu., apac., global.) like its base model", () => {
    for (const geo of ['', 'us.', 'eu.', 'apac.', 'global.']) {
      assert.equal(costUsd(usage(1e6, 1e6), defaultPrice(`${geo}anthropic.claude-sonnet-4-5-20250929-v1:0`)), 18, geo);
    }
  });

  it('prices images per image and video per second', () => {
    assert.equal(costUsd({ ...usage(0, 0), images: 2 }, defaultPrice('amazon.nova-canvas-v1:0')), 0.08);
    assert.ok(Math.abs(costUsd({ ...usage(0, 0), videoSeconds: 6 }, defaultPrice('amazon.nova-reel-v1:0')) - 0.48) < 1e-12);
  });

  it('names the aliases that would be billed $0', async () => {
    const { unpricedAliases } = await import('../../src/core/pricing.js');
    assert.deepEqual(
      unpricedAliases([
        { name: 'priced', target: 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0' },
        { name: 'own-price', target: 'bedrock/x.y', price: { per_1m_input_tokens: 1 } },
        { name: 'bm25', target: 'local/bm25' },
        { name: 'mystery', target: 'bedrock/some.unknown-model' },
      ]),
      ['mystery'],
    );
  });
});
