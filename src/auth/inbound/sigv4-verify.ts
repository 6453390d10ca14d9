import { createHash, timingSafeEqual } from 'node:crypto';
import { HttpRequest } from '@smithy/protocol-http';
import type { SignatureV4 as SignatureV4Type } from '@smithy/signature-v4';
import { loadOptional } from '../../runtime/optional-module.js';
import { NodeSha256 } from '../upstream/sha256.js';

type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** A key pair Rankway (or a fake AWS service) accepts signatures from. */
export interface SigV4Secret {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** When set, the request must carry this `x-amz-security-token` (temporary credentials). */
  readonly sessionToken?: string;
}

/** Finds the secret for an access key id; kept small so a store-backed lookup can replace the config one. */
export interface SigV4KeyLookup {
  find(accessKeyId: string): SigV4Secret | undefined | Promise<SigV4Secret | undefined>;
}

/** A request as received: the path exactly as it came on the wire (query included). */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: HeaderBag;
  readonly body: Buffer | undefined;
}

/** AWS's names for signature failures, as its front end answers them. */
export type SigV4FailureCode =
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  /** Not a signature problem: the query string cannot be decoded, so nothing can be verified (a 400). */
  | 'MalformedQueryString';

export type SigV4Result =
  | { readonly ok: true; readonly accessKeyId: string; readonly region: string; readonly service: string }
  | { readonly ok: false; readonly code: SigV4FailureCode; readonly message: string };

export interface VerifyOptions {
  readonly keys: SigV4KeyLookup;
  /** Required signing name (`bedrock`); any when omitted. */
  readonly service?: string;
  readonly now?: number;
  /** Allowed clock difference (AWS allows 15 minutes). */
  readonly maxSkewMs?: number;
}

const AUTH_RE =
  /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;_.:-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** True when the request carries an AWS SigV4 Authorization header. */
export const hasSigV4 = (headers: HeaderBag): boolean => {
  const auth = headers.authorization;
  return typeof auth === 'string' && auth.startsWith('AWS4-HMAC-SHA256 ');
};

/**
 * Verifies an AWS Signature Version 4 by recomputing it with `@smithy/signature-v4` over
 * exactly the headers the client signed and the raw wire path, as the AWS front end does.
 */
export async function verifySigV4(request: ReceivedRequest, options: VerifyOptions): Promise<SigV4Result> {
  // A request that cannot even be read is refused before its signature is looked at.
  const split = splitPathAndQuery(request.path);
  if (!split) return fail('MalformedQueryString', 'The query string has an invalid percent-encoding');
  const auth = header(request.headers, 'authorization');
  if (!auth) return fail('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = AUTH_RE.exec(auth.trim());
  if (!m) return fail('IncompleteSignatureException', 'The Authorization header is not a complete AWS4-HMAC-SHA256 signature');
  const [, accessKeyId, shortDate, region, service, signedList, signature] = m;
  if (options.service && service !== options.service) {
    return fail('InvalidSignatureException', `Credential should be scoped to correct service: '${options.service}'`);
  }
  const amzDate = header(request.headers, 'x-amz-date');
  const date = amzDate ? parseAmzDate(amzDate) : undefined;
  if (!amzDate || !date) return fail('IncompleteSignatureException', 'The request must contain a valid X-Amz-Date header');
  if (!amzDate.startsWith(shortDate)) return fail('InvalidSignatureException', 'The credential date does not match X-Amz-Date');
  const skew = Math.abs((options.now ?? Date.now()) - date.getTime());
  if (skew > (options.maxSkewMs ?? 15 * 60_000))
    return fail('InvalidSignatureException', 'Signature expired: the request time is too far from the server time');

  const signedNames = signedList.split(';');
  // Over HTTP/2 the AWS SDK signs the `:authority` pseudo-header in place of `host`.
  if (!signedNames.includes('host') && !signedNames.includes(':authority')) {
    return fail('IncompleteSignatureException', 'The host header must be signed');
  }
  const secret = await options.keys.find(accessKeyId);
  if (!secret) return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const token = header(request.headers, 'x-amz-security-token');
  if (
    (secret.sessionToken ?? undefined) !== (token ?? undefined) ||
    (token !== undefined && !signedNames.includes('x-amz-security-token'))
  ) {
    return fail('UnrecognizedClientException', 'The security token included in the request is invalid.');
  }

  const signedHeaders: Record<string, string> = {};
  for (const name of signedNames) {
    const value =
      header(request.headers, name) ??
      (name === 'host' ? header(request.headers, ':authority') : name === ':authority' ? header(request.headers, 'host') : undefined);
    if (value === undefined) return fail('IncompleteSignatureException', `Signed header ${name} is missing from the request`);
    signedHeaders[name] = value;
  }
  const bodyHash = createHash('sha256')
    .update(request.body ?? Buffer.alloc(0))
    .digest('hex');
  const claimed = signedHeaders['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== bodyHash) {
    return fail('InvalidSignatureException', 'The x-amz-content-sha256 header does not match the request body');
  }

  const [path, query] = split;
  const signer = new (loadOptional<{ SignatureV4: typeof SignatureV4Type }>('@smithy/signature-v4').SignatureV4)({
    service,
    region,
    credentials: { accessKeyId, secretAccessKey: secret.secretAccessKey, sessionToken: secret.sessionToken },
    sha256: NodeSha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const recomputed = await signer.sign(
    new HttpRequest({ method: request.method, path, query, headers: signedHeaders, body: request.body ?? Buffer.alloc(0) }),
    { signingDate: date },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(recomputed.headers.authorization))?.[1] ?? '';
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    return fail(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
  return { ok: true, accessKeyId, region, service };
}

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.join(',') : v;
}

function parseAmzDate(value: string): Date | undefined {
  const m = AMZ_DATE_RE.exec(value);
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * Query values as the signer canonicalises them (decoded here, re-escaped by the signer);
 * undefined when a name or value is not valid percent-encoding (`%zz`, a lone `%`, bad UTF-8).
 */
function splitPathAndQuery(wirePath: string): [string, Record<string, string | string[]>] | undefined {
  const q = wirePath.indexOf('?');
  if (q < 0) return [wirePath, {}];
  const query: Record<string, string | string[]> = Object.create(null);
  for (const part of wirePath.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (k === undefined || v === undefined) return undefined;
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return [wirePath.slice(0, q), query];
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

const fail = (code: SigV4FailureCode, message: string): SigV4Result => ({ ok: false, code, message });
