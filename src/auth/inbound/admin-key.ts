import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ControlStore } from '../../store/repository.js';
import { presentedKey, sha256Hex, type HeaderBag } from './authenticator.js';

const SETTING = 'admin_key_sha256';

export interface AdminKey {
  /** sha256 of the admin key; only the hash is kept. */
  readonly hash: Buffer;
  /** The plaintext, only when this start generated it (print it once, then forget it). */
  readonly generated?: string;
}

/**
 * RANKWAY_ADMIN_KEY when set; otherwise the hash stored in the database, generating a key on
 * the very first start. Two instances starting together agree on one stored hash.
 */
export async function resolveAdminKey(store: ControlStore, env: NodeJS.ProcessEnv = process.env): Promise<AdminKey> {
  const fromEnv = env.RANKWAY_ADMIN_KEY;
  if (fromEnv) return { hash: Buffer.from(sha256Hex(fromEnv), 'hex') };
  const existing = await store.getSetting(SETTING);
  if (existing) return { hash: Buffer.from(existing, 'hex') };
  const key = `rk-admin-${randomBytes(24).toString('base64url')}`;
  const stored = await store.setSettingIfAbsent(SETTING, sha256Hex(key));
  const ours = stored === sha256Hex(key);
  return { hash: Buffer.from(stored, 'hex'), generated: ours ? key : undefined };
}

/** True when the request presents the admin key (constant-time comparison of hashes). */
export function isAdmin(headers: HeaderBag, admin: AdminKey): boolean {
  const key = presentedKey(headers);
  if (!key) return false;
  return timingSafeEqual(Buffer.from(sha256Hex(key), 'hex'), admin.hash);
}
