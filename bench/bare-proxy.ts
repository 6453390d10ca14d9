// The limit for any Node gateway: node:http in, undici out, no parsing, no logic.
// It streams the body through to the upstream and the answer back, nothing else.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { serveUsage } from './child.js';

const upstream = process.env.UPSTREAM_URL!;
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
// Same path mapping a rerank gateway needs; no other translation.
const PATHS: Record<string, string> = {
  '/v1/rerank': '/v2/rerank',
  '/v2/rerank': '/v2/rerank',
  '/v1/chat/completions': '/v1/chat/completions',
};

const server = createServer(async (req, res) => {
  try {
    const up = await pool.request({
      method: 'POST',
      path: PATHS[req.url ?? ''] ?? req.url ?? '/',
      headers: { 'content-type': 'application/json', authorization: 'Bearer bench-upstream-key' },
      body: req,
    });
    res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
    for await (const chunk of up.body) res.write(chunk);
    res.end();
  } catch (err) {
    res.writeHead(502);
    res.end(String(err));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUsage((server.address() as AddressInfo).port));
