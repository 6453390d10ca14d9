import { randomUUID } from 'node:crypto';

/** What a caller's `x-request-id` may be: short, and only characters safe in logs, headers and SQL text. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request id: the caller's `x-request-id` when it is safe to echo, log and store, else a
 * fresh UUID. An unsafe one (too long, or with spaces, quotes, newlines...) is dropped, never
 * echoed, so it cannot bloat or forge log lines and usage records.
 * @example requestIdFrom({ 'x-request-id': 'trace-42' }) === 'trace-42'
 */
export function requestIdFrom(headers: Readonly<Record<string, string | string[] | undefined>>): string {
  const sent = headers['x-request-id'];
  return typeof sent === 'string' && SAFE_ID.test(sent) ? sent : randomUUID();
}
