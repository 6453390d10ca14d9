import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startGateway, type RunningGateway } from '../helpers/gateway.js';

const BODY = JSON.stringify({ model: 'local/bm25', query: 'rotate keys', documents: ['rotate keys often', 'soup'] });

describe('HTTP/1.1 and cleartext HTTP/2 on one port', () => {
  let gw: RunningGateway;
  before(async () => {
    gw = await startGateway({});
  });
  after(() => gw.close());

  it('serves an h2c client with prior knowledge', async () => {
    const session = http2.connect(gw.url);
    try {
      const { status, body, requestId } = await new Promise<{ status: number; body: string; requestId: string }>((resolve, reject) => {
        const req = session.request({ ':method': 'POST', ':path': '/v1/rerank', 'content-type': 'application/json' });
        let status = 0;
        let requestId = '';
        let body = '';
        req.on('response', (h) => {
          status = Number(h[':status']);
          requestId = String(h['x-request-id']);
        });
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => resolve({ status, body, requestId }));
        req.on('error', reject);
        req.end(BODY);
      });
      assert.equal(status, 200, body);
      assert.equal(JSON.parse(body).results[0].index, 0);
      assert.ok(requestId.length > 0);
    } finally {
      session.close();
    }
  });

  it('serves HTTP/1.1 on the same port, also when the first bytes arrive one at a time', async () => {
    const res = await gw.post('/v1/rerank', JSON.parse(BODY));
    assert.equal(res.status, 200);

    // "P" could start the HTTP/2 preface ("PRI * ..."), so the server must wait for more bytes.
    const port = Number(new URL(gw.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let text = '';
      socket.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('\r\n\r\n') && text.includes('"results"')) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('error', reject);
      const request = `POST /v1/rerank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;
      socket.write(request.slice(0, 1));
      setTimeout(() => socket.write(request.slice(1, 2)), 20);
      setTimeout(() => socket.write(request.slice(2)), 40);
    });
    assert.match(answer, /^HTTP\/1\.1 200 OK/);
  });
});
