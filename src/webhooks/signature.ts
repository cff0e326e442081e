// Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): HMAC-SHA256 over
// `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the base64-decoded part of the secret
// after `whsec_`, sent as `v1,<base64>`. Several signatures are space-separated: during a secret
// rotation every active secret signs, so receivers holding either one verify.
import { createHmac, randomBytes } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** A new signing secret: 32 random bytes (the spec asks for 24 to 64), base64 after the prefix. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The value of the webhook-signature header for this message, one `v1,` entry per secret. */
export function sign(id: string, timestampSeconds: number, body: string, secrets: readonly string[]): string {
  return secrets.map((secret) => `v1,${createHmac('sha256', key(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`).join(' ');
}
