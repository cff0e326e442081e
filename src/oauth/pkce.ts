// PKCE (RFC 7636) with S256 only. RFC 9700 §2.1.1: "plain" must not be used; it gives no
// protection once the authorization request leaks.
import { createHash } from 'node:crypto';
import { safeEqual } from '../crypto.ts';

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is exactly 43 characters. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
export const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6: the verifier matches the challenge sent with the authorization request. */
export function verifies(verifier: string, challenge: string): boolean {
  return VERIFIER.test(verifier) && safeEqual(s256(verifier), challenge);
}
