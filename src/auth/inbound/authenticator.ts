import { createHash, timingSafeEqual } from 'node:crypto';
import type { Caller } from '../../core/context.js';
import { ANONYMOUS } from '../../core/context.js';
import { GatewayError } from '../../errors/gateway-error.js';

export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** Turns request headers into a caller, or throws 401. */
export interface CallerAuthenticator {
  authenticate(headers: HeaderBag): Caller | Promise<Caller>;
}

/** `Authorization: Bearer <key>` or `x-api-key: <key>`. */
export function presentedKey(headers: HeaderBag): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.length > 0) return apiKey;
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') return auth.slice(7).trim();
  return undefined;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

export const allowAll: CallerAuthenticator = { authenticate: () => ANONYMOUS };

interface KeyEntry {
  readonly name: string;
  readonly hash: Buffer;
  readonly allowedModels?: readonly string[];
}

/** Keys declared in the config file as sha256 hashes; the plaintext is never stored. */
export class StaticKeyAuthenticator implements CallerAuthenticator {
  private readonly byHash: ReadonlyMap<string, KeyEntry>;

  constructor(keys: ReadonlyArray<{ name: string; key_sha256: string; allowed_models?: string[] }>) {
    this.byHash = new Map(
      keys.map((k) => [k.key_sha256, { name: k.name, hash: Buffer.from(k.key_sha256, 'hex'), allowedModels: k.allowed_models }]),
    );
  }

  authenticate(headers: HeaderBag): Caller {
    const key = presentedKey(headers);
    if (!key) throw new GatewayError('missing_api_key', 'Missing API key: send Authorization: Bearer <key> or x-api-key');
    const hashHex = sha256Hex(key);
    const entry = this.byHash.get(hashHex);
    // The map lookup finds the candidate; the comparison itself is constant-time.
    if (!entry || !timingSafeEqual(entry.hash, Buffer.from(hashHex, 'hex'))) {
      throw new GatewayError('invalid_api_key', 'Invalid API key');
    }
    return { keyId: entry.name, name: entry.name, allowedModels: entry.allowedModels };
  }
}
