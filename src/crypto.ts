// Secrets: generated from crypto.randomBytes, stored as SHA-256 (they are high-entropy, so a
// slow hash buys nothing), compared in constant time; values that must be used again later
// are sealed with AES-256-GCM under a key id so the key can rotate.
import { createCipheriv, createDecipheriv, createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return hash('sha256', value, 'base64url');
}

/** Constant-time comparison of two strings (lengths may leak, contents do not). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

export interface Sealer {
  readonly keyId: string;
  seal(plaintext: string): string;
  open(sealed: string): string;
}

/**
 * AES-256-GCM. Output: `v1.<keyId>.<iv>.<tag>.<ciphertext>`, base64url parts. Older keys can be
 * passed in `previous` so values sealed before a rotation still open.
 */
export function createSealer(key: Buffer, previous: Buffer[] = []): Sealer {
  const keys = new Map<string, Buffer>();
  const idOf = (k: Buffer) => createHash('sha256').update(k).digest('base64url').slice(0, 8);
  for (const k of [key, ...previous]) keys.set(idOf(k), k);
  const keyId = idOf(key);
  return {
    keyId,
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, id, iv, tag, body] = sealed.split('.');
      const k = keys.get(id);
      if (version !== 'v1' || !k || !iv || !tag || body === undefined) throw new Error('sealed value is malformed or its key is unknown');
      const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
