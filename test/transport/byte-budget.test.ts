import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { REPLY_BYTE_COST } from '../../src/transport/byte-budget.js';
import { HttpClient } from '../../src/transport/http-client.js';

const KB = 1024;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('the gateway-wide budget of buffered upstream response bytes', () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  let origin = '';
  // Room for 1 MB of reply bytes (each counts REPLY_BYTE_COST times against the budget).
  const client = new HttpClient({ maxResponseBytes: 4096 * KB, maxBufferedBytes: 1024 * KB * REPLY_BYTE_COST });
  const send = (path: string, timeoutMs = 5000) => client.send({ origin, path, method: 'POST', headers: {}, body: '{}', timeoutMs });

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sheds the reply that would go over it with 503 overloaded and Retry-After; the other one is served', async () => {
    const open: ServerResponse[] = [];
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(Buffer.alloc(400 * KB, 0x20));
      open.push(res);
    };
    const a = send('/a');
    const b = send('/b');
    const outcomes = Promise.allSettled([a, b]);
    // Both replies hold 400 KB of the 1 MB; the next 400 KB fits only one of them.
    await until(() => client.buffered.inUse >= 800 * KB * REPLY_BYTE_COST, 'both first halves');
    for (const res of open) res.end(Buffer.alloc(400 * KB, 0x20));
    const [ra, rb] = await outcomes;
    const results = [ra, rb];
    const served = results.filter((r) => r.status === 'fulfilled');
    const shed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(served.length, 1, 'exactly one reply fits');
    assert.equal(shed.length, 1);
    const err = shed[0].reason as GatewayError;
    assert.ok(err instanceof GatewayError);
    assert.equal(err.code, 'overloaded');
    assert.equal(err.status, 503);
    assert.equal(err.failure, 'capacity');
    assert.ok((err.retryAfterMs ?? 0) > 0);
    assert.equal((served[0] as PromiseFulfilledResult<{ body: Buffer }>).value.body.length, 800 * KB);
    // The served reply's bytes stay counted for the turn in which its caller parses it.
    assert.ok(client.buffered.inUse > 0);
    await until(() => client.buffered.inUse === 0, 'every reservation returned');
  });

  it('collects a reply with a declared length into one buffer under its reservation', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(600 * KB) });
      res.write(Buffer.alloc(300 * KB, 1));
      setTimeout(() => res.end(Buffer.alloc(300 * KB, 2)), 5);
    };
    const reply = await send('/declared');
    assert.equal(reply.body.length, 600 * KB);
    assert.equal(reply.body[0], 1);
    assert.equal(reply.body[600 * KB - 1], 2);
    assert.equal(client.buffered.inUse, 600 * KB * REPLY_BYTE_COST);
    await until(() => client.buffered.inUse === 0, 'the reservation returned');
  });

  it('refuses a reply whose declared length cannot fit before reading it', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(2048 * KB) });
      res.end(Buffer.alloc(2048 * KB));
    };
    await assert.rejects(send('/big'), (e: unknown) => e instanceof GatewayError && e.code === 'overloaded');
    assert.equal(client.buffered.inUse, 0);
  });

  it('returns the reservation when a reply fails midway (deadline)', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write(Buffer.alloc(300 * KB));
    };
    const pending = send('/stall', 300);
    await until(() => client.buffered.inUse > 0, 'bytes reserved');
    await assert.rejects(pending, (e: unknown) => e instanceof GatewayError && e.code === 'upstream_timeout');
    assert.equal(client.buffered.inUse, 0);
  });

  it('also bounds the error body of a streamed call read with readAll()', async () => {
    handler = (_req, res) => {
      res.writeHead(500);
      res.end(Buffer.alloc(1500 * KB));
    };
    const opened = await client.open({ origin, path: '/err', method: 'POST', headers: {}, body: '{}', timeoutMs: 5000 });
    await assert.rejects(opened.readAll(), (e: unknown) => e instanceof GatewayError && e.code === 'overloaded');
    assert.equal(client.buffered.inUse, 0);
  });
});
