// Authorization codes (RFC 6749 §4.1.2): random, stored as SHA-256, 60 seconds, single use.
// Redemption is one conditional UPDATE ... WHERE used_at IS NULL RETURNING, so of two racing
// redemptions exactly one gets the row; the other learns the code was used (a replay).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { AuthorizationCodesTable } from '../db/schema-interactive.ts';
import { newId } from '../db/ids.ts';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { GrantUser } from './authorizations.ts';

export type AuthorizationCode = Selectable<AuthorizationCodesTable>;

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; ours is 60 s. */
const CODE_TTL_SECONDS = 60;

export interface CodeRequest {
  clientId: string;
  user: GrantUser;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string;
  codeChallenge: string | undefined;
  /** OpenID Connect: the request's nonce, and when and how the user signed in. */
  nonce: string | undefined;
  authTime: Date;
  amr: string[];
}

export type Redeemed =
  | { ok: true; code: AuthorizationCode }
  | { ok: false; reason: 'unknown' | 'expired' }
  | { ok: false; reason: 'used'; code: AuthorizationCode };

export class AuthorizationCodes {
  #tokens: SpendableTokens<'authorization_codes'>;

  constructor(db: Kysely<Database>) {
    this.#tokens = new SpendableTokens(db, { table: 'authorization_codes', hashColumn: 'code_hash', ttlSeconds: CODE_TTL_SECONDS });
  }

  async issue(req: CodeRequest): Promise<string> {
    const { token } = await this.#tokens.issue({
      grant_id: newId(),
      client_id: req.clientId,
      user_id: req.user.id,
      organization_id: req.user.organizationId,
      redirect_uri: req.redirectUri,
      redirect_uri_sent: req.redirectUriSent,
      scope: req.scope,
      code_challenge: req.codeChallenge ?? null,
      credential_version: req.user.credentialVersion,
      nonce: req.nonce ?? null,
      auth_time: req.authTime,
      amr: req.amr.join(' '),
    });
    return token;
  }

  /** Mark the code used, atomically, inside `trx`; or say why it cannot be. */
  async redeem(trx: Kysely<Database>, code: string): Promise<Redeemed> {
    const result = await this.#tokens.redeem(code, { db: trx });
    if (result.ok) return { ok: true, code: result.row };
    if (result.reason === 'unknown') return { ok: false, reason: 'unknown' };
    // RFC 6749 §4.1.2: a second redemption is reported with the code, so that the grant's
    // tokens can be revoked. Nothing narrows the spend, so `refused` cannot happen.
    if (result.reason === 'used') return { ok: false, reason: 'used', code: result.row };
    return { ok: false, reason: 'expired' };
  }

  /** Drop codes expired for a day (a replay within that day still revokes). */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
