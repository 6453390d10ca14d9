import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
// cache: false so every request reaches the upstream (the pair cache would answer repeats).
const request = { model: 'cohere/rerank-v3.5', query: 'traces', documents: ['OpenTelemetry traces', 'Kubernetes'], cache: false };

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

function spansFrom(collector: FakeServer): { spans: OtlpSpan[]; service: unknown } {
  const spans: OtlpSpan[] = [];
  let service: unknown;
  for (const r of collector.requests) {
    assert.equal(r.path, '/v1/traces');
    assert.match(String(r.headers['content-type']), /application\/json/);
    for (const rs of r.json.resourceSpans) {
      service = rs.resource.attributes.find((a: { key: string }) => a.key === 'service.name')?.value.stringValue;
      for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    }
  }
  return { spans, service };
}

const attr = (s: OtlpSpan, key: string) => s.attributes.find((a) => a.key === key)?.value;

describe('OpenTelemetry tracing over OTLP/HTTP', () => {
  let collector: FakeServer;
  let cohere: FakeServer;
  let gw: RunningGateway;

  before(async () => {
    collector = await startFake((_req, res) => sendJson(res, 200, {}));
    cohere = await startFakeCohere({ apiKey: 'k' });
    gw = await startGateway(
      { providers: [{ name: 'cohere', type: 'cohere', api_key: 'k', base_url: cohere.url }] },
      { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_SERVICE_NAME: 'rankway-test' },
    );
  });
  after(async () => {
    await gw.close();
    await collector.close();
    await cohere.close();
  });

  it('exports a request span and an attempt span, and propagates traceparent upstream', async () => {
    const res = await gw.post('/v1/rerank', request, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` });
    assert.equal(res.status, 200);
    const upstream = cohere.requests.at(-1)!.headers.traceparent as string;
    const [version, traceId, parentId, flags] = upstream.split('-');
    assert.equal(version, '00');
    assert.equal(traceId, CALLER_TRACE, 'the upstream call continues the caller trace');
    assert.equal(flags, '01');

    await gw.gateway.tracing!.flush();
    const { spans, service } = spansFrom(collector);
    assert.equal(service, 'rankway-test');
    const server = spans.find((s) => s.kind === 2)!;
    const client = spans.find((s) => s.kind === 3)!;
    assert.ok(server && client, `spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(server.name, 'POST /v1/rerank');
    assert.equal(server.traceId, CALLER_TRACE);
    assert.equal(server.parentSpanId, CALLER_SPAN);
    assert.equal(attr(server, 'http.response.status_code')?.intValue, 200);
    assert.equal(attr(server, 'rankway.provider')?.stringValue, 'cohere');
    assert.equal(client.parentSpanId, server.spanId);
    assert.equal(client.spanId, parentId, 'traceparent names the attempt span');
    assert.equal(attr(client, 'rankway.provider')?.stringValue, 'cohere');
  });

  it('starts a new trace when the caller sent none', async () => {
    collector.requests.length = 0;
    await gw.post('/v1/rerank', request);
    const traceId = (cohere.requests.at(-1)!.headers.traceparent as string).split('-')[1];
    assert.notEqual(traceId, CALLER_TRACE);
    await gw.gateway.tracing!.flush();
    assert.ok(spansFrom(collector).spans.some((s) => s.traceId === traceId && s.kind === 2));
  });
});

describe('tracing disabled (no OTLP endpoint)', () => {
  it('builds no tracer and sends no traceparent upstream', async () => {
    const cohere = await startFakeCohere({ apiKey: 'k' });
    const gw = await startGateway({ providers: [{ name: 'cohere', type: 'cohere', api_key: 'k', base_url: cohere.url }] });
    try {
      assert.equal(gw.gateway.tracing, undefined);
      assert.equal((await gw.post('/v1/rerank', request, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` })).status, 200);
      assert.equal(cohere.requests.at(-1)!.headers.traceparent, undefined);
    } finally {
      await gw.close();
      await cohere.close();
    }
  });
});
