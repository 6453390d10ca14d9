import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'v1';

/**
 * A sealed value this key cannot open: sealed under another key (a lost or replaced
 * `secret.key`, a different RANKWAY_SECRET_KEY) or altered at rest.
 */
export class SecretUnreadableError extends Error {
  constructor() {
    super('sealed with a different secret key (RANKWAY_SECRET_KEY or secret.key in the data dir changed) or altered');
    this.name = 'SecretUnreadableError';
  }
}

/**
 * AES-256-GCM for credentials at rest: `v1:<iv>:<tag>:<ciphertext>`, base64 parts, a fresh
 * 96-bit IV per value. The additional data binds a ciphertext to its row, so a value copied
 * onto another provider key does not decrypt.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('secret key must be 32 bytes');
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** Throws `SecretUnreadableError` when the value was sealed under another key or tampered with. */
  open(sealed: string, aad: string): string {
    const [prefix, iv, tag, body] = sealed.split(':');
    if (prefix !== PREFIX || !iv || !tag || body === undefined) throw new SecretUnreadableError();
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError();
    }
  }
}

/**
 * The encryption key: RANKWAY_SECRET_KEY (64 hex chars or base64 of 32 bytes are used as is;
 * any other string is hashed to 32 bytes), else `secret.key` in the data dir, created with
 * mode 0600 on first start. Instances sharing a database must share the key.
 */
export function loadSecretKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.RANKWAY_SECRET_KEY;
  if (fromEnv) return parseKey(fromEnv);
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secret.key');
  try {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw withPath(err, file);
  }
  try {
    chmodSync(file, 0o600);
    return parseKey(readFileSync(file, 'utf8').trim());
  } catch (err) {
    throw withPath(err, file);
  }
}

/** Some fs errors (EISDIR on read) carry no path; the start-up message needs it. */
function withPath(err: unknown, file: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && e.path === undefined) e.path = file;
  return err;
}

function parseKey(text: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  const b64 = Buffer.from(text, 'base64');
  if (b64.length === 32 && /^[A-Za-z0-9+/]{43}=$/.test(text)) return b64;
  return createHash('sha256').update(text).digest();
}
