import type { ServerConfig } from '../config/schema.js';
import { ConfigError } from '../config/interpolate.js';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * `auth: none` is only for loopback: exposing an unauthenticated gateway (and the
 * provider keys behind it) to the network needs an explicit opt-in.
 */
export function checkListenPolicy(server: ServerConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (server.auth !== 'none' || isLoopback(server.host)) return;
  if (server.allow_unauthenticated_remote || env.RANKWAY_ALLOW_UNAUTHENTICATED === '1') return;
  throw new ConfigError([
    `server.auth: "none" is refused on non-loopback address ${server.host}; set server.auth: keys, ` +
      'or allow it explicitly with server.allow_unauthenticated_remote: true (or RANKWAY_ALLOW_UNAUTHENTICATED=1)',
  ]);
}
