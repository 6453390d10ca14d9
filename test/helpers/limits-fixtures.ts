import { sendJson, startFake, type FakeServer } from './fake-server.js';

/**
 * A Cohere rerank upstream that answers after `delayMs` (so that concurrent requests really
 * overlap) and bills one search unit per call; a query of "fail" gets a 500.
 */
export function slowCohere(delayMs: number): Promise<FakeServer> {
  return startFake(async (req, res) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (req.json?.query === 'fail') return sendJson(res, 500, { message: 'internal' });
    const docs: unknown[] = req.json?.documents ?? [];
    sendJson(res, 200, {
      id: 'c0ffee00-0000-4000-8000-000000000002',
      results: docs.map((_, index) => ({ index, relevance_score: 1 / (index + 1) })),
      meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
    });
  });
}

/** Gateway config: `dollar` costs exactly $1 a call (1 search unit at $1,000 per 1,000). */
export function reservationConfig(cohereUrl: string, extra: { openai?: string; bedrock?: string } = {}): Record<string, any> {
  return {
    server: { auth: 'keys' },
    providers: [
      { name: 'cohere', type: 'cohere', api_key: 'co-key', base_url: cohereUrl, max_retries: 0 },
      ...(extra.openai ? [{ name: 'oai', type: 'openai', api_key: 'oai-key', base_url: extra.openai, max_retries: 0 }] : []),
      ...(extra.bedrock
        ? [
            {
              name: 'bedrock',
              type: 'bedrock',
              region: 'us-west-2',
              access_key_id: 'AKIDRESERVE',
              secret_access_key: 'reserve-secret',
              runtime_endpoint: extra.bedrock,
              agent_runtime_endpoint: extra.bedrock,
              max_retries: 0,
            },
          ]
        : []),
    ],
    models: [
      {
        name: 'dollar',
        target: 'cohere/rerank-v3.5',
        price: { per_1k_search_units: 1000 },
        arns: ['arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0'],
      },
      ...(extra.openai
        ? [
            { name: 'gpt', target: 'oai/gpt-4o-mini' },
            { name: 'embed', target: 'oai/text-embedding-3-small' },
          ]
        : []),
      ...(extra.bedrock ? [{ name: 'claude', target: 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0' }] : []),
    ],
  };
}

export const rerankBody = (query = 'rotate keys') => ({ model: 'dollar', query, documents: ['rotate api keys'], cache: false });
