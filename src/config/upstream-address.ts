import { isIP } from 'node:net';

/** Host names of cloud metadata services (compared lower-case, without a trailing dot). */
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata.goog', '100.100.100.200']);

/**
 * Why a base URL must not be used unless the operator allowed it (`upstreams.allow_metadata_addresses`),
 * or undefined when it is fine. The URL parser has already normalised the host: `http://2852039166/`
 * arrives as `169.254.169.254`, IPv6 in its compressed lower-case form. Names are not resolved:
 * the check covers literal addresses and the metadata services' well-known names.
 */
export function metadataAddressProblem(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return undefined; // the schema reports malformed URLs
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (METADATA_HOSTS.has(host)) return `${host} is a cloud metadata address`;
  const v4 = isIP(host) === 4 ? host : mappedV4(host);
  if (v4 !== undefined) {
    if (v4.startsWith('169.254.')) return `${v4} is a link-local address (169.254.0.0/16, where cloud metadata services live)`;
    if (METADATA_HOSTS.has(v4)) return `${v4} is a cloud metadata address`;
    return undefined;
  }
  if (isIP(host) === 6) {
    const groups = expandV6(host);
    if (groups[0] >= 0xfe80 && groups[0] <= 0xfebf) return `${host} is a link-local address (fe80::/10)`;
    if (groups.join(':') === [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254].join(':')) return `${host} is the AWS metadata address`;
  }
  return undefined;
}

/** `::ffff:a9fe:a9fe` (IPv4-mapped, as the URL parser writes it) -> `169.254.169.254`. */
function mappedV4(host: string): string | undefined {
  if (isIP(host) !== 6) return undefined;
  const g = expandV6(host);
  if (g.slice(0, 5).some((x) => x !== 0) || g[5] !== 0xffff) return undefined;
  return [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff].join('.');
}

function expandV6(host: string): number[] {
  let text = host;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text = text.slice(0, -dotted[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((x) => parseInt(x || '0', 16));
}
