// The floor for any Node gateway: node:http in, node:http out over keep-alive, bodies piped
// through both ways untouched. No parsing, no buffering, no logic beyond the path.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveUsage } from './child.js';

const upstream = new URL(process.env.UPSTREAM_URL!);
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
// The only translation a rerank gateway cannot avoid: which upstream path.
const PATHS: Record<string, string> = { '/v1/rerank': '/v2/rerank', '/v2/rerank': '/v2/rerank' };

const server = createServer((req, res) => {
  const up = request(
    {
      agent,
      host: upstream.hostname,
      port: upstream.port,
      method: 'POST',
      path: PATHS[req.url ?? ''] ?? req.url,
      headers: {
        'content-type': 'application/json',
        'content-length': req.headers['content-length'] ?? '',
        authorization: 'Bearer bench-upstream-key',
      },
    },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, { 'content-type': upRes.headers['content-type'] ?? 'application/json' });
      upRes.pipe(res);
    },
  );
  up.on('error', (err) => {
    res.writeHead(502);
    res.end(String(err));
  });
  req.pipe(up);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => serveUsage((server.address() as AddressInfo).port));
