import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths whose values never reach a log line: caller and upstream credentials in headers,
 * config secrets and anything the admin API accepts as a secret.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-amz-security-token"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-amz-security-token"]',
  '*.api_key',
  '*.secret',
  '*.secret_access_key',
  '*.session_token',
  '*.private_key',
  'api_key',
  'secret',
];

export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'rankway' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
