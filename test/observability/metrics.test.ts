import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const docs = ['Rankway exports OpenTelemetry traces.', 'Rankway runs on Kubernetes.', 'Token counting is available.'];

/** Sample value of one series, e.g. `rankway_requests_total{...}`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics on the admin port', () => {
  let cohere: FakeServer;
  let flaky: FakeServer;
  let gw: RunningGateway;
  let text: string;

  before(async () => {
    cohere = await startFakeCohere({ apiKey: 'k', maxDocuments: 2 });
    flaky = await startFakeCohere({ apiKey: 'k' });
    flaky.handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"message":"overloaded"}');
    };
    gw = await startGateway({
      providers: [
        { name: 'cohere', type: 'cohere', api_key: 'k', base_url: cohere.url, max_documents_per_request: 2 },
        { name: 'flaky', type: 'cohere', api_key: 'k', base_url: flaky.url, max_retries: 1 },
      ],
      models: [{ name: 'search', target: 'flaky/rerank-v3.5', fallbacks: ['cohere/rerank-v3.5'], price: { per_1k_search_units: 2 } }],
    });
    // A fallback after a retry, chunked into two calls (3 documents, 2 per call).
    assert.equal((await gw.post('/v1/rerank', { model: 'search', query: 'traces', documents: docs })).status, 200);
    assert.equal((await gw.post('/v1/rerank', { model: 'local/bm25', query: 'traces', documents: docs })).status, 200);
    // Caller-typed model names must not become label values.
    assert.equal((await gw.post('/v1/rerank', { model: 'attacker-chosen-model-name', query: 'q', documents: docs })).status, 404);
    assert.equal((await gw.post('/v1/rerank', { model: 'cohere/attacker-chosen', query: 'q', documents: docs })).status, 200);
    assert.equal((await gw.post('/v1/rerank', { model: 'search', query: '', documents: docs })).status, 400);
    // The same pairs again: served by the pair cache.
    assert.equal((await gw.post('/v1/rerank', { model: 'search', query: 'traces', documents: docs })).status, 200);
    const res = await fetch(gw.adminUrl + '/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    text = await res.text();
  });
  after(async () => {
    await gw.close();
    await cohere.close();
    await flaky.close();
  });

  it('counts requests by surface, alias, provider, status class and error type', () => {
    assert.equal(
      sample(text, 'rankway_requests_total', {
        surface: 'rerank',
        alias: 'search',
        provider: 'cohere',
        status_class: '2xx',
        error_type: 'none',
      }),
      2,
    );
    assert.equal(sample(text, 'rankway_requests_total', { alias: 'local/*', provider: 'local', status_class: '2xx' }), 1);
    // Refused before routing: no alias or provider was chosen.
    assert.equal(sample(text, 'rankway_requests_total', { alias: 'none', status_class: '4xx', error_type: 'model_not_found' }), 1);
    assert.equal(sample(text, 'rankway_requests_total', { alias: 'none', status_class: '4xx', error_type: 'invalid_request' }), 1);
  });

  it('keeps label values to configured names', () => {
    assert.ok(!text.includes('attacker-chosen'), 'a caller-chosen model name leaked into a label');
    assert.equal(sample(text, 'rankway_requests_total', { alias: 'cohere/*', provider: 'cohere' }), 1);
  });

  it('has latency histograms for the request, the upstream call and the overhead', () => {
    assert.equal(sample(text, 'rankway_request_duration_seconds_count', { surface: 'rerank', alias: 'search', provider: 'cohere' }), 2);
    assert.ok((sample(text, 'rankway_upstream_duration_seconds_count', { provider: 'cohere' }) ?? 0) >= 1);
    assert.ok((sample(text, 'rankway_overhead_duration_seconds_count', { surface: 'rerank' }) ?? 0) >= 4);
  });

  it('counts retries, fallbacks, chunks, search units and cost', () => {
    // Both 'search' requests retried the flaky primary once, then fell back (the cache is per target).
    assert.equal(sample(text, 'rankway_retries_total', { provider: 'cohere' }), 2, 'the retries on the flaky primary are counted');
    assert.equal(sample(text, 'rankway_fallbacks_total', { alias: 'search' }), 2);
    assert.equal(sample(text, 'rankway_chunks_total', { provider: 'cohere' }), 4, 'two requests of 3 documents, 2 per call');
    assert.equal(sample(text, 'rankway_search_units_total', { alias: 'search', provider: 'cohere' }), 2);
    assert.ok((sample(text, 'rankway_cost_usd_total', { alias: 'search' }) ?? 0) > 0);
  });

  it('counts pair cache hits and misses', () => {
    assert.equal(sample(text, 'rankway_cache_lookups_total', { result: 'hit' }), 3, 'the repeated request found its 3 pairs');
    assert.ok((sample(text, 'rankway_cache_lookups_total', { result: 'miss' }) ?? 0) >= 3);
  });

  it('exposes queue gauges, event-loop lag and memory', () => {
    assert.equal(sample(text, 'rankway_upstream_in_flight', { provider: 'cohere' }), 0);
    assert.equal(sample(text, 'rankway_upstream_queued', { provider: 'cohere' }), 0);
    assert.match(text, /^nodejs_eventloop_lag_p99_seconds /m);
    assert.match(text, /^process_resident_memory_bytes /m);
    assert.match(text, /^nodejs_heap_size_used_bytes /m);
    for (const family of [
      'rankway_tokens_total',
      'rankway_cache_lookups_total',
      'rankway_rate_limit_rejections_total',
      'rankway_load_shed_total',
      'rankway_degraded_responses_total',
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${family} counter$`, 'm'));
    }
  });
});
