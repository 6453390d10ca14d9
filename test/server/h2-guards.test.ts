import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { createDualProtocolServer } from '../../src/server/dual-protocol.js';

const MB = 1024 * 1024;

interface Started {
  readonly url: string;
  readonly server: Server;
  /** Requests the handler holds right now (it answers once their body ends). */
  active(): number;
}

const open: Array<{ server: Server; sessions: ClientHttp2Session[] }> = [];

/** The dual-protocol server with a handler that reads each body like Fastify and answers 200 at its end. */
async function start(overrides: Partial<Parameters<typeof createDualProtocolServer>[1]['http2']> = {}): Promise<Started> {
  let active = 0;
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    active++;
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    });
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(String(size));
    });
    res.once('close', () => active--);
  };
  const server = createDualProtocolServer(handler, {
    keepAliveTimeoutMs: 60_000,
    connectionTimeoutMs: 120_000,
    http2: {
      headersTimeoutMs: 60_000,
      requestTimeoutMs: 60_000,
      maxConcurrentStreams: 100,
      maxBufferedRequestBytes: 64 * MB,
      ...overrides,
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  open.push({ server, sessions: [] });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, active: () => active };
}

function connect(url: string): ClientHttp2Session {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  open.at(-1)!.sessions.push(session);
  return session;
}

/** A POST stream whose body is left open. */
function post(session: ClientHttp2Session): ClientHttp2Stream {
  const stream = session.request({ ':method': 'POST', ':path': '/', 'content-type': 'application/octet-stream' }, { endStream: false });
  stream.on('error', () => undefined);
  return stream;
}

/** Resolves with the stream's status, or 0 if it closed without one, or rejects after `ms`. */
function statusOf(stream: ClientHttp2Stream, ms = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('close', () => {
      clearTimeout(timer);
      resolve(status);
    });
    stream.resume();
  });
}

async function until(condition: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A PING round trip: the server has processed every frame the client sent before it. */
const roundTrip = (session: ClientHttp2Session): Promise<void> =>
  new Promise((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));

afterEach(async () => {
  for (const { server, sessions } of open.splice(0)) {
    for (const s of sessions) s.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

describe('HTTP/2 guards', () => {
  it('advertises the stream cap in SETTINGS and never runs more streams of one connection at once', async () => {
    const gw = await start({ maxConcurrentStreams: 10 });
    const session = connect(gw.url);
    await new Promise((r) => session.once('remoteSettings', r));
    assert.equal(session.remoteSettings.maxConcurrentStreams, 10);
    const streams = Array.from({ length: 15 }, () => post(session));
    for (const s of streams) s.write('x');
    await until(() => gw.active() === 10, '10 active streams');
    // Every frame sent before the PING has been processed by the time its ACK is back.
    await roundTrip(session);
    await roundTrip(session);
    assert.equal(gw.active(), 10);
    // Finishing streams lets the queued ones in.
    const done = streams.map((s) => statusOf(s));
    for (const s of streams) s.end();
    assert.deepEqual(await Promise.all(done), Array(15).fill(200));
  });

  it('answers 408 and resets a stream whose body is not complete within the request timeout', async () => {
    const gw = await start({ requestTimeoutMs: 300 });
    const session = connect(gw.url);
    const slow = post(session);
    slow.write('{"model":');
    const t0 = Date.now();
    assert.equal(await statusOf(slow), 408);
    assert.ok(Date.now() - t0 >= 250);
    // The connection itself stays usable for well-behaved streams.
    const ok = post(session);
    const status = statusOf(ok);
    ok.end('{}');
    assert.equal(await status, 200);
  });

  it('closes a connection that opens no stream within the headers timeout', async () => {
    const gw = await start({ headersTimeoutMs: 300 });
    const session = connect(gw.url);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('idle connection kept open')), 5000);
      session.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  });

  it('refuses with 503 the stream that takes a connection over its buffered-bytes cap, and releases its bytes', async () => {
    const gw = await start({ maxBufferedRequestBytes: 1 * MB });
    const session = connect(gw.url);
    const half = Buffer.alloc(MB / 2 - 1024);
    const [a, b, c] = [post(session), post(session), post(session)];
    const statuses = [a, b, c].map((s) => statusOf(s));
    a.write(half);
    b.write(half);
    c.write(half);
    // Two halves fit in 1 MB, the third does not: the stream whose bytes went over is refused.
    const settled = await Promise.race(statuses.map((p, i) => p.then((status) => ({ i, status }))));
    assert.equal(settled.status, 503);
    const others = [a, b, c].filter((_, i) => i !== settled.i);
    for (const s of others) s.end();
    assert.deepEqual(await Promise.all(statuses.filter((_, i) => i !== settled.i)), [200, 200]);
    // Closed streams gave their bytes back: the same amount again fits.
    const d = post(session);
    const e = post(session);
    const later = [statusOf(d), statusOf(e)];
    d.end(half);
    e.end(half);
    assert.deepEqual(await Promise.all(later), [200, 200]);
  });
});
