import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { startGateway } from '../helpers/gateway.js';

/** Opens a raw connection, sends `data`, and resolves with what the server wrote before closing. */
function slowClient(url: string, data: string): Promise<{ ms: number; answer: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let answer = '';
    const socket = connect(Number(port), hostname, () => socket.write(data));
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('close', () => resolve({ ms: Date.now() - t0, answer }));
    socket.on('error', reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server kept a slow client open'));
    }, 8000).unref();
  });
}

describe('inbound timeouts', () => {
  it('drops a client that never finishes its headers (slow loris) after headers_timeout_ms', async () => {
    const gw = await startGateway({ server: { headers_timeout_ms: 500, request_timeout_ms: 3000 } });
    try {
      const { ms, answer } = await slowClient(gw.url, 'POST /v1/rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
      assert.ok(ms < 3000, `closed after ${ms} ms`);
      assert.match(answer, /^HTTP\/1\.1 408/);
    } finally {
      await gw.close();
    }
  });

  it('drops a client that sends its headers but trickles the body past request_timeout_ms', async () => {
    const gw = await startGateway({ server: { headers_timeout_ms: 500, request_timeout_ms: 1500 } });
    try {
      const { ms } = await slowClient(
        gw.url,
        'POST /v1/rerank HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"model":',
      );
      assert.ok(ms >= 1000 && ms < 5000, `closed after ${ms} ms`);
    } finally {
      await gw.close();
    }
  });
});
