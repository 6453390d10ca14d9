/**
 * Which parts of a provider key's `config` are credentials and must be sealed like its secret:
 * every header value (`authorization`, `x-api-key` ... are credentials more often than not) and
 * any top-level field whose name says key, secret, token, password or credential.
 */
const CREDENTIAL_NAME = /(key|secret|token|passw|credential|auth)/i;

export interface SplitConfig {
  /** Stored as is and shown by GET. */
  readonly open: Record<string, unknown>;
  /** Sealed at rest, never shown; only its field names are listed. */
  readonly sealed: Record<string, unknown>;
  /** `headers.authorization`, `api_key`, ... sorted. */
  readonly sealedFields: string[];
}

export function splitSensitiveConfig(config: Readonly<Record<string, unknown>>): SplitConfig {
  const open: Record<string, unknown> = {};
  const sealed: Record<string, unknown> = {};
  const sealedFields: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key === 'headers' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      sealed.headers = value;
      sealedFields.push(...Object.keys(value).map((h) => `headers.${h}`));
    } else if (CREDENTIAL_NAME.test(key)) {
      sealed[key] = value;
      sealedFields.push(key);
    } else {
      open[key] = value;
    }
  }
  return { open, sealed, sealedFields: sealedFields.sort() };
}
