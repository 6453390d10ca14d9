import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpClient } from '../../src/transport/http-client.js';
import { GatewayError } from '../../src/errors/gateway-error.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe('HttpClient', () => {
  let handler: Handler = (_req, res) => res.end();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  let origin = '';
  const client = new HttpClient({ maxResponseBytes: 64 * 1024 });

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const send = (extra: Partial<Parameters<HttpClient['send']>[0]> = {}) =>
    client.send({
      origin,
      path: '/echo',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"q":"ü"}',
      timeoutMs: 2000,
      ...extra,
    });

  it('returns status, lower-cased headers and the whole body, sent in several chunks', async () => {
    handler = (req, res, body) => {
      res.writeHead(201, { 'X-Seen': `${req.method} ${req.url} ${body}`, 'content-type': 'text/plain' });
      res.write('first,');
      setTimeout(() => res.end('second'), 5);
    };
    const reply = await send();
    assert.equal(reply.status, 201);
    assert.equal(reply.headers['x-seen'], 'POST /echo {"q":"ü"}');
    assert.equal(reply.body.toString(), 'first,second');
  });

  it('hands back error statuses as replies, not exceptions', async () => {
    handler = (_req, res) => {
      res.writeHead(503, { 'retry-after': '2' });
      res.end('{"message":"busy"}');
    };
    const reply = await send();
    assert.equal(reply.status, 503);
    assert.equal(reply.headers['retry-after'], '2');
    assert.equal(reply.body.toString(), '{"message":"busy"}');
  });

  it('gives up at the attempt deadline with upstream_timeout, even mid-body', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    };
    const started = Date.now();
    const err = await send({ timeoutMs: 150 }).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_timeout');
    assert.ok(Date.now() - started < 1500, 'answered near the deadline');
  });

  it('refuses replies larger than the size cap', async () => {
    handler = (_req, res) => res.end(Buffer.alloc(100 * 1024, 'a'));
    const err = await send().catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_bad_response');
  });

  it('stops when the caller aborts, and a later call on the pool still works', async () => {
    handler = (_req, res) => setTimeout(() => res.end('late'), 300);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const err = await send({ signal: controller.signal }).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_unavailable');
    handler = (_req, res) => res.end('ok');
    assert.equal((await send()).body.toString(), 'ok');
  });

  it('reports an unreachable upstream as upstream_unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = await send({ origin: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'upstream_unavailable');
  });

  describe('open (streamed replies)', () => {
    const open = (extra: Partial<Parameters<HttpClient['open']>[0]> = {}) =>
      client.open({ origin, path: '/stream', method: 'POST', headers: {}, body: '{}', timeoutMs: 2000, ...extra });

    it('times out with upstream_timeout while waiting for headers', async () => {
      handler = (_req, res) => setTimeout(() => res.end('late'), 500);
      const err = await open({ timeoutMs: 100 }).catch((e: unknown) => e);
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, 'upstream_timeout');
    });

    it('lets a body outlive the header deadline, bounded only by the idle timeout', async () => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        setTimeout(() => res.end('data: 2\n\n'), 250);
      };
      const reply = await open({ timeoutMs: 100, idleTimeoutMs: 1000 });
      let text = '';
      for await (const chunk of reply.body) text += String(chunk);
      assert.equal(text, 'data: 1\n\ndata: 2\n\n');
    });

    it('stops the upstream body when the caller goes away mid-stream', async () => {
      let upstreamClosed!: () => void;
      const closed = new Promise<void>((r) => (upstreamClosed = r));
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: 1\n\n');
        res.on('close', () => upstreamClosed());
      };
      const controller = new AbortController();
      const reply = await open({ signal: controller.signal });
      const failed = new Promise((resolve) => reply.body.once('error', resolve));
      controller.abort();
      await failed;
      await closed;
    });
  });
});
