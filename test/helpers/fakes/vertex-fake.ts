import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startFake, type FakeServer, type RecordedRequest } from '../fake-server.js';
import { rank } from './scoring.js';

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const AUDIENCES = new Set(['https://oauth2.googleapis.com/token', 'https://www.googleapis.com/oauth2/v4/token']);

/** A service-account key as Google issues it, with a fresh RSA key pair. */
export interface FakeServiceAccount {
  readonly key: Record<string, string>;
  readonly publicKeyPem: string;
}

export function makeServiceAccount(tokenUri: string, email = 'ranker@test-project.iam.gserviceaccount.com'): FakeServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    key: {
      type: 'service_account',
      project_id: 'test-project',
      private_key_id: randomBytes(20).toString('hex'),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: '1234567890',
      token_uri: tokenUri,
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const googleError = (res: ServerResponse, code: number, status: string, message: string) =>
  sendJson(res, code, { error: { code, message, status } });

export interface FakeGoogle {
  /** Serves `POST /token` (JWT grant) and `POST /v1/projects/.../rankingConfigs/...:rank`. */
  readonly server: FakeServer;
  readonly issuedTokens: string[];
  /** Rank calls that carried a valid token. */
  readonly rankCalls: RecordedRequest[];
  /** Registers a service account whose JWTs the token endpoint accepts. */
  trust(email: string, publicKeyPem: string): void;
}

/**
 * Google's token endpoint and the Discovery Engine rank API. The token endpoint checks the
 * JWT grant the way Google does (RS256 signature with the account's public key, issuer,
 * audience, scope, expiry); the rank endpoint accepts only tokens it issued and at most
 * 200 records.
 */
export async function startFakeGoogle(options: { tokenTtlSeconds?: number } = {}): Promise<FakeGoogle> {
  const trusted = new Map<string, string>();
  const tokens = new Map<string, number>();
  const issuedTokens: string[] = [];
  const rankCalls: RecordedRequest[] = [];
  const server = await startFake((req, res) => {
    if (req.method === 'POST' && req.path === '/token') return handleToken(req, res);
    const m = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/rankingConfigs\/([^/:]+):rank$/.exec(req.path);
    if (req.method !== 'POST' || !m) return googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.');
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const expires = tokens.get(token);
    if (expires === undefined || expires < Date.now()) {
      return googleError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const b = req.json;
    if (!b || typeof b.query !== 'string' || !Array.isArray(b.records) || b.records.length === 0) {
      return googleError(res, 400, 'INVALID_ARGUMENT', 'records must not be empty');
    }
    if (b.records.length > 200) return googleError(res, 400, 'INVALID_ARGUMENT', `Too many records: ${b.records.length} > 200.`);
    for (const r of b.records) {
      if (typeof r.id !== 'string' || (!r.content && !r.title))
        return googleError(res, 400, 'INVALID_ARGUMENT', 'Each record needs an id and a title or content.');
    }
    rankCalls.push(req);
    const texts = b.records.map((r: { content?: string; title?: string }) => r.content ?? r.title ?? '');
    const topN = typeof b.topN === 'number' && b.topN > 0 ? b.topN : undefined;
    const records = rank(b.query, texts, topN).map((s) => {
      const record = b.records[s.index];
      const out: Record<string, unknown> = { id: record.id };
      if (!b.ignoreRecordDetailsInResponse) {
        if (record.title) out.title = record.title;
        if (record.content) out.content = record.content;
      }
      // proto3 JSON: a zero score is left out.
      if (s.score !== 0) out.score = s.score;
      return out;
    });
    sendJson(res, 200, { records });
  });

  function handleToken(req: RecordedRequest, res: ServerResponse): void {
    const form = new URLSearchParams(req.raw.toString('utf8'));
    const fail = (description: string) => sendJson(res, 400, { error: 'invalid_grant', error_description: description });
    if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
      fail('bad content type');
      return;
    }
    if (form.get('grant_type') !== GRANT_TYPE) {
      fail('unsupported grant type');
      return;
    }
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) {
      fail('malformed JWT');
      return;
    }
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (header.alg !== 'RS256') {
      fail('JWT must be RS256');
      return;
    }
    const pem = trusted.get(claims.iss);
    if (!pem) {
      fail('Invalid JWT: unknown issuer');
      return;
    }
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify('RSA-SHA256', signed, pem, Buffer.from(parts[2], 'base64url'))) {
      fail('Invalid JWT Signature.');
      return;
    }
    if (!AUDIENCES.has(claims.aud)) {
      fail('Invalid JWT: audience');
      return;
    }
    if (!String(claims.scope).split(' ').includes(SCOPE)) {
      fail('Invalid JWT: scope');
      return;
    }
    const now = Date.now() / 1000;
    if (!(claims.iat <= now + 60) || !(claims.exp > now) || claims.exp - claims.iat > 3600) {
      fail('Invalid JWT: Token must be a short-lived token');
      return;
    }
    const ttl = options.tokenTtlSeconds ?? 3599;
    const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
    tokens.set(token, Date.now() + ttl * 1000);
    issuedTokens.push(token);
    sendJson(res, 200, { access_token: token, expires_in: ttl, token_type: 'Bearer' });
  }

  return {
    server,
    issuedTokens,
    rankCalls,
    trust: (email, publicKeyPem) => void trusted.set(email, publicKeyPem),
  };
}
