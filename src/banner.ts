import type { GatewayConfig } from './config/load.js';

function url(host: string, port: number, tls = false): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** The start-up banner: where to reach the gateway and a request that works right away. */
export function banner(config: GatewayConfig, ports: { proxy: number; admin: number }): string {
  const proxy = url(config.server.host, ports.proxy, config.server.tls !== undefined);
  const admin = url(config.server.admin_host, ports.admin);
  const auth = config.server.auth === 'keys' ? ' \\\n  -H "Authorization: Bearer $RANKWAY_KEY"' : '';
  const body = JSON.stringify({
    model: 'local/bm25',
    query: 'how do I rotate api keys',
    documents: ['Rotate API keys from the admin API.', 'The gateway exports Prometheus metrics.', 'Keys are stored as sha256 hashes.'],
    top_n: 2,
  });
  return [
    '',
    '  Rankway is running',
    `  proxy API   ${proxy}`,
    `  admin API   ${admin}`,
    `  console     ${admin}/ui/  (sign in with the admin key)`,
    `  auth        ${config.server.auth}`,
    `  config      ${config.source ?? '(embedded default: no config file)'}`,
    `  data        ${config.storage.data_dir}`,
    `  providers   ${[...config.providers.keys()].join(', ')}`,
    '',
    '  Try it:',
    `  curl -s ${proxy}/v1/rerank -H 'content-type: application/json'${auth} \\`,
    `    -d '${body}'`,
    '',
  ].join('\n');
}
