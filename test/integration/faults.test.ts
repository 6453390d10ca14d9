import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sendJson, startFake, type FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

/**
 * The upstream misbehaves in every way we have seen in production; each case must end with a
 * clear coded error (or a fallback) well within its deadline, and leave no call holding a slot.
 */
const ATTEMPT_TIMEOUT_MS = 400;
const body = { model: 'bad/rerank-v3.5', query: 'observability', documents: ['traces and metrics', 'kubernetes'] };

/** A port that refuses connections: bound once to learn a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('upstream faults', () => {
  let bad: FakeServer;
  let good: FakeServer;
  let gw: RunningGateway;
  let refusedUrl: string;

  before(async () => {
    bad = await startFake(() => undefined);
    good = await startFakeCohere({ apiKey: 'k' });
    refusedUrl = `http://127.0.0.1:${await closedPort()}`;
    gw = await startGateway({
      server: { request_timeout_ms: 5000 },
      providers: [
        { name: 'bad', type: 'cohere', api_key: 'k', base_url: bad.url, timeout_ms: ATTEMPT_TIMEOUT_MS, max_retries: 0 },
        { name: 'refused', type: 'cohere', api_key: 'k', base_url: refusedUrl, max_retries: 1 },
        { name: 'good', type: 'cohere', api_key: 'k', base_url: good.url },
      ],
      models: [{ name: 'resilient', target: 'refused/rerank-v3.5', fallbacks: ['bad/rerank-v3.5', 'good/rerank-v3.5'] }],
    });
  });
  after(async () => {
    await gw.close();
    await bad.close();
    await good.close();
  });

  /** Sends the request and checks status, code and that it came back within `withinMs`. */
  async function expectError(status: number, code: string, withinMs: number, model = 'bad/rerank-v3.5') {
    const t0 = Date.now();
    const res = await gw.post('/v1/rerank', { ...body, model });
    const ms = Date.now() - t0;
    assert.equal(res.status, status, JSON.stringify(res.json));
    assert.equal(res.json.error.code, code);
    assert.ok(ms < withinMs, `took ${ms} ms`);
    for (const p of gw.gateway.providers.values()) {
      assert.equal(p.concurrency.inUse, 0, `${p.name} leaked a concurrency slot`);
      assert.equal(p.concurrency.waiting, 0);
    }
    return res;
  }

  it('connection refused: 502 upstream_unavailable after its retry', async () => {
    const res = await expectError(502, 'upstream_unavailable', 2000, 'refused/rerank-v3.5');
    assert.equal(res.headers.get('x-should-retry'), 'false');
    assert.ok(!JSON.stringify(res.json).includes('127.0.0.1'), 'upstream address leaked to the caller');
  });

  it('connection reset in the middle of the body: 502', async () => {
    bad.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"id":"x","results":[{"index":0,');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await expectError(502, 'upstream_unavailable', 2000);
  });

  it('slow headers: 504 once the attempt timeout passes', async () => {
    bad.handler = () => undefined; // never answers
    await expectError(504, 'upstream_timeout', ATTEMPT_TIMEOUT_MS + 1500);
  });

  it('slow body: headers at once, then a trickle that never ends: 504', async () => {
    bad.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results":[');
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    };
    await expectError(504, 'upstream_timeout', ATTEMPT_TIMEOUT_MS + 1500);
  });

  it('truncated JSON with a complete HTTP message: 502 upstream_bad_response', async () => {
    bad.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","results":[{"index":0,"relevance_score":0.9},{"ind');
    };
    await expectError(502, 'upstream_bad_response', 2000);
  });

  it('an HTML error page from a proxy in front of the provider: 502, and the HTML stays out of the answer', async () => {
    bad.handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1> account 1234-5678</body></html>');
    };
    const res = await expectError(502, 'upstream_unavailable', 2000);
    assert.ok(!JSON.stringify(res.json).includes('nginx'));
    assert.ok(!JSON.stringify(res.json).includes('1234-5678'));
  });

  it('200 with the wrong shape: 502 upstream_bad_response', async () => {
    bad.handler = (_req, res) => sendJson(res, 200, { data: [{ score: 1 }] });
    await expectError(502, 'upstream_bad_response', 2000);
    bad.handler = (_req, res) => sendJson(res, 200, { results: [{ index: 7, relevance_score: 0.5 }] });
    await expectError(502, 'upstream_bad_response', 2000);
    bad.handler = (_req, res) => sendJson(res, 200, { results: [{ index: 0, relevance_score: 'high' }] });
    await expectError(502, 'upstream_bad_response', 2000);
  });

  it('a chunked response cut off before its last chunk: 502', async () => {
    bad.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.write('{"id":"x","results":[{"index":0,"relevance_score":0.9}');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    await expectError(502, 'upstream_unavailable', 2000);
  });

  it('falls back past a refused connection and a broken upstream to a healthy one', async () => {
    bad.handler = (_req, res) => sendJson(res, 200, { nonsense: true });
    const t0 = Date.now();
    const res = await gw.post('/v1/rerank', { ...body, model: 'resilient' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.extra_fields.provider, 'good');
    assert.equal(res.json.extra_fields.fallback_index, 2);
    assert.equal(res.json.results.length, 2);
    assert.ok(Date.now() - t0 < 3000);
  });
});
