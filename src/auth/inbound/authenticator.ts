import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { Caller } from '../../core/context.js';
import { ANONYMOUS } from '../../core/context.js';
import { coded } from '../../errors/gateway-error.js';
import type { KeyLimits } from '../../core/limits/types.js';

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

/** A caller key as the keyring holds it (from the config file or the database). */
export interface KeyEntry {
  readonly id: string;
  readonly name: string;
  readonly hash: Buffer;
  readonly allowedModels?: readonly string[];
  readonly disabled: boolean;
  /** Epoch ms; undefined when the key never expires. */
  readonly expiresAt?: number;
  readonly limits?: KeyLimits;
}

/** Keys by lowercase sha256 hex; replaced whole when keys change. */
export type Keyring = ReadonlyMap<string, KeyEntry>;

/**
 * Caller keys from the current snapshot. With `required` false (`auth: none`) a request
 * without a known key is anonymous; a known key still brings its policy (and its 401 when
 * disabled or expired), so keys can be rolled out before auth is switched on.
 */
export class KeyringAuthenticator implements CallerAuthenticator {
  constructor(
    private readonly keyring: () => Keyring,
    private readonly required: boolean,
  ) {}

  authenticate(headers: HeaderBag): Caller {
    const key = presentedKey(headers);
    if (!key) {
      if (!this.required) return ANONYMOUS;
      throw coded('missing_api_key');
    }
    // One-shot hash: this runs on every request.
    const digest = hash('sha256', key, 'buffer');
    const entry = this.keyring().get(digest.toString('hex'));
    // The map finds the candidate; the comparison itself is constant-time.
    if (!entry || !timingSafeEqual(entry.hash, digest)) {
      // With auth off, SDKs that insist on some key must keep working: unknown keys are anonymous.
      if (!this.required) return ANONYMOUS;
      throw coded('invalid_api_key');
    }
    if (entry.disabled) throw coded('api_key_disabled');
    if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) throw coded('api_key_expired');
    return { keyId: entry.id, name: entry.name, allowedModels: entry.allowedModels, limits: entry.limits };
  }
}
