import { readFileSync } from 'node:fs';
import { loadOptional } from '../../runtime/optional-module.js';

const googleAuthLibrary = (): typeof import('google-auth-library') => loadOptional('google-auth-library');
import { GatewayError } from '../../errors/gateway-error.js';
import type { GoogleAuthSpec } from '../../providers/types.js';
import type { UpstreamAuth } from './types.js';

/** Where google-auth-library sends the JWT grant; a key's own `token_uri` replaces it. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** Fetch a new token this long before the old one expires. */
const REFRESH_MARGIN_MS = 5 * 60_000;

interface ServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
  readonly token_uri?: string;
}

/**
 * `Authorization: Bearer <OAuth2 access token>` for Google APIs. Tokens come from
 * google-auth-library (service-account JWT grant or application default credentials),
 * are cached until shortly before they expire, and one refresh serves all waiting calls.
 */
export function googleAuth(spec: GoogleAuthSpec): UpstreamAuth {
  const token = tokenSource(spec);
  return {
    async apply(request) {
      request.headers.authorization = `Bearer ${await token()}`;
    },
  };
}

type TokenSource = () => Promise<string>;

function tokenSource(spec: GoogleAuthSpec): TokenSource {
  if (spec.accessToken) {
    const fixed = spec.accessToken;
    return () => Promise.resolve(fixed);
  }
  const key = spec.serviceAccount ?? (spec.serviceAccountFile ? readKeyFile(spec.serviceAccountFile) : undefined);
  if (key) return serviceAccountTokens(asServiceAccount(key), spec.scopes);
  const adc = new (googleAuthLibrary().GoogleAuth)({ scopes: [...spec.scopes] });
  return singleFlight(async () => {
    const value = await adc.getAccessToken();
    if (!value) throw new Error('application default credentials returned no access token');
    return { token: value, expiresAt: undefined };
  });
}

function serviceAccountTokens(key: ServiceAccountKey, scopes: readonly string[]): TokenSource {
  const client = new (googleAuthLibrary().JWT)({
    email: key.client_email,
    key: key.private_key,
    keyId: key.private_key_id,
    scopes: [...scopes],
    eagerRefreshThresholdMillis: REFRESH_MARGIN_MS,
  });
  const tokenUri = key.token_uri;
  if (tokenUri && tokenUri !== GOOGLE_TOKEN_URL) {
    // The library posts the grant to Google's endpoint; honour the key's own token_uri
    // (private clouds, tests) by rewriting that one URL on the library's transporter.
    client.transporter.interceptors.request.add({
      resolved: async (options) => {
        if (String(options.url) === GOOGLE_TOKEN_URL) options.url = new URL(tokenUri);
        return options;
      },
    });
  }
  return singleFlight(async () => {
    const { token } = await client.getAccessToken();
    if (!token) throw new Error('the token endpoint returned no access token');
    return { token, expiresAt: client.credentials.expiry_date ?? undefined };
  });
}

/** Caches the token and makes concurrent callers share one fetch. */
function singleFlight(fetchToken: () => Promise<{ token: string; expiresAt: number | undefined }>): TokenSource {
  let cached: { token: string; expiresAt: number | undefined } | undefined;
  let inflight: Promise<string> | undefined;
  return () => {
    if (cached && cached.expiresAt !== undefined && cached.expiresAt - Date.now() > REFRESH_MARGIN_MS) return Promise.resolve(cached.token);
    inflight ??= fetchToken()
      .then((fresh) => {
        cached = fresh;
        return fresh.token;
      })
      .catch((err: unknown) => {
        throw new GatewayError('upstream_auth_failed', 'The gateway could not obtain a Google access token', {
          failure: 'credential',
          detail: describe(err),
        });
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

function readKeyFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read Google credentials file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`Google credentials file ${path} is not JSON`);
  }
}

function asServiceAccount(key: Readonly<Record<string, unknown>>): ServiceAccountKey {
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new Error('the Google service-account key needs client_email and private_key');
  }
  return key as unknown as ServiceAccountKey;
}

/** An error's message without response bodies that could carry account details. */
function describe(err: unknown): string {
  const e = err as { message?: string; response?: { status?: number; data?: unknown } };
  const status = e.response?.status ? `HTTP ${e.response.status}: ` : '';
  const data = e.response?.data as { error?: string; error_description?: string } | undefined;
  return `${status}${data?.error ? `${data.error} ${data.error_description ?? ''}` : (e.message ?? String(err))}`.trim();
}
