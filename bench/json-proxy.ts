// The second reference: a proxy that reads the JSON body, parses it once, serialises it once
// and sends it upstream (undici, as Rankway does), then pipes the answer back. The least work
// a gateway that looks at the request at all can do.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { serveUsage } from './child.js';

const pool = new Pool(process.env.UPSTREAM_URL!, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
const PATHS: Record<string, string> = { '/v1/rerank': '/v2/rerank', '/v2/rerank': '/v2/rerank' };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const up = await pool.request({
        method: 'POST',
        path: PATHS[req.url ?? ''] ?? req.url ?? '/',
        headers: { 'content-type': 'application/json', authorization: 'Bearer bench-upstream-key' },
        body: JSON.stringify(body),
      });
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
      up.body.pipe(res);
    } catch (err) {
      res.writeHead(502);
      res.end(String(err));
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUsage((server.address() as AddressInfo).port));
