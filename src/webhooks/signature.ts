// Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64-decoded part of the secret
// after `whsec_`, sent as `v1,<base64>`. Several signatures are space-separated: during a secret
// rotation every active secret signs, so receivers holding either one verify.
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64), base64 after the prefix. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** A secret as text (`whsec_...`), or its key made once with signingKey() for many messages. */
export type SigningSecret = string | KeyObject;

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The HMAC key of a secret, for signing many messages without decoding it each time. */
export function signingKey(secret: string): KeyObject {
  return createSecretKey(key(secret));
}

/** The value of the webhook-signature header for this message, one `v1,` entry per secret. */
export function sign(id: string, timestampSeconds: number, body: string, secrets: readonly SigningSecret[]): string {
  const content = `${id}.${timestampSeconds}.${body}`;
  let header = '';
  for (const secret of secrets) {
    const mac = createHmac('sha256', typeof secret === 'string' ? key(secret) : secret)
      .update(content)
      .digest('base64');
    header += header === '' ? `v1,${mac}` : ` v1,${mac}`;
  }
  return header;
}
