import assert from 'node:assert/strict';
import http2, { type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway.js';

const BODY = JSON.stringify({ model: 'local/bm25', query: 'rotate keys', documents: ['rotate keys often', 'soup'] });

function rerank(session: ClientHttp2Session, body?: string): ClientHttp2Stream {
  const stream = session.request({ ':method': 'POST', ':path': '/v1/rerank', 'content-type': 'application/json' }, { endStream: false });
  stream.on('error', () => undefined);
  if (body !== undefined) stream.end(body);
  return stream;
}

function answer(stream: ClientHttp2Stream, ms = 8000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    let body = '';
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (body += c));
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ status, body });
    });
  });
}

const closed = (session: ClientHttp2Session): Promise<void> =>
  new Promise((r) => (session.closed || session.destroyed ? r() : session.once('close', () => r())));

describe('HTTP/2 through the gateway', () => {
  it('answers 408 to a stream that trickles its body past request_timeout_ms and keeps serving the connection', async () => {
    const gw = await startGateway({ server: { request_timeout_ms: 600 } });
    const session = http2.connect(gw.url);
    session.on('error', () => undefined);
    try {
      const slow = rerank(session);
      slow.write(BODY.slice(0, 10));
      const late = answer(slow);
      assert.equal((await late).status, 408);
      const ok = await answer(rerank(session, BODY));
      assert.equal(ok.status, 200, ok.body);
      assert.equal(JSON.parse(ok.body).results.length, 2);
    } finally {
      session.destroy();
      await gw.close();
    }
  });

  it('graceful shutdown ends idle and trickling HTTP/2 connections within the shutdown timeout', async () => {
    const gw = await startGateway({ server: { request_timeout_ms: 60_000 } });
    const idle = http2.connect(gw.url);
    const busy = http2.connect(gw.url);
    idle.on('error', () => undefined);
    busy.on('error', () => undefined);
    try {
      assert.equal((await answer(rerank(idle, BODY))).status, 200);
      const trickling = Array.from({ length: 50 }, () => rerank(busy));
      for (const s of trickling) s.write('{');
      const done = trickling.map((s) => answer(s).catch(() => ({ status: -1, body: '' })));
      // All streams are open on the server before shutdown starts.
      await new Promise<void>((resolve, reject) => busy.ping((err) => (err ? reject(err) : resolve())));
      const t0 = Date.now();
      const drained = await gw.gateway.shutdown(1000);
      const ms = Date.now() - t0;
      assert.equal(drained, false, 'the trickling streams could not finish');
      assert.ok(ms < 4000, `shutdown took ${ms} ms`);
      await Promise.all([closed(idle), closed(busy), ...done]);
    } finally {
      idle.destroy();
      busy.destroy();
      await gw.close();
    }
  });
});
