// OpenID Connect ID Tokens (OIDC Core §2): minted with the current signing key when a granted
// scope holds `openid`, and read back when a relying party sends one as a hint (id_token_hint at
// the authorization and end-session endpoints).
import { createHash } from 'node:crypto';
import type { SigningAlgorithm } from '../config.ts';
import type { Keystore } from '../keys/keystore.ts';

export interface IdTokenRequest {
  clientId: string;
  userId: string;
  /** When the user signed in (OIDC Core §2 auth_time), and how (RFC 8176 values). */
  authTime: Date;
  amr: string[];
  /** Echoed when the authorization request had one (OIDC Core §3.1.3.7 rule 11). */
  nonce?: string;
  /** The access token issued alongside, for at_hash (§3.1.3.6). */
  accessToken: string;
  /** The claims the granted scopes release. */
  claims: Record<string, unknown>;
}

/** What an id_token_hint tells: who it was issued to and for whom. */
export interface IdTokenHint {
  sub: string;
  audience: string[];
}

/**
 * OIDC Core §3.1.3.6: the hash of the alg's hash function over the ASCII access token, its left
 * half, base64url. Ed25519 signs with SHA-512 inside, so EdDSA tokens use SHA-512 here, as the
 * OpenID Foundation's certified providers do.
 */
function tokenHash(alg: SigningAlgorithm, token: string): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256')
    .update(token, 'ascii')
    .digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export class IdTokens {
  #keystore: Keystore;
  #issuer: string;
  #ttl: number;

  constructor(keystore: Keystore, issuer: string, ttlSeconds: number) {
    this.#keystore = keystore;
    this.#issuer = issuer;
    this.#ttl = ttlSeconds;
  }

  /** A signed ID Token. */
  issue(req: IdTokenRequest): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = {
      ...req.claims,
      iss: this.#issuer,
      sub: req.userId,
      aud: req.clientId,
      exp: now + this.#ttl,
      iat: now,
      auth_time: Math.floor(req.authTime.getTime() / 1000),
      ...(req.nonce !== undefined ? { nonce: req.nonce } : {}),
      amr: req.amr,
      at_hash: tokenHash(this.#keystore.algorithm, req.accessToken),
    };
    return this.#keystore.signIdToken(claims);
  }

  /**
   * An ID Token this server issued, read back as a hint: signed by a published key, issued here,
   * of type JWT, with the claims every ID Token of ours has. Expired ones count (RP-Initiated
   * Logout 1.0 §2); a tampered, foreign or other kind of token (an access token, a launch token)
   * does not. Undefined when it is not one.
   */
  readHint(token: string): IdTokenHint | undefined {
    if (token.length > 8192) return undefined;
    let verified: { header: Record<string, unknown>; claims: Record<string, unknown> };
    try {
      verified = this.#keystore.verifyIgnoringExpiry(token);
    } catch {
      return undefined;
    }
    const { header, claims } = verified;
    if (header.typ !== 'JWT' || typeof claims.sub !== 'string' || typeof claims.auth_time !== 'number') return undefined;
    const audience = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a) => typeof a === 'string') : [];
    if (audience.length === 0) return undefined;
    return { sub: claims.sub, audience };
  }
}
