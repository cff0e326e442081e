// Authorization codes (RFC 6749 §4.1.2): random, stored as SHA-256, 60 seconds, single use.
// Redemption is one conditional UPDATE ... WHERE used_at IS NULL RETURNING, so of two racing
// redemptions exactly one gets the row; the other learns the code was used (a replay). The
// same statement records the grant and stores the tokens the code buys.
import { sql, type Kysely, type Selectable } from 'kysely';
import { sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { AuthorizationCodesTable } from '../db/schema-interactive.ts';
import { newId } from '../db/ids.ts';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import { spendAndStore, type Step } from '../db/spend-statement.ts';
import { usersNamed } from '../accounts/users.ts';
import { grantOfCode, type GrantUser } from './authorizations.ts';

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

/** What the token request says the code must match (RFC 6749 §4.1.3, RFC 7636 §4.6). */
export interface CodeBinding {
  clientId: string;
  redirectUri: string | undefined;
  /** S256 of the code_verifier sent, or undefined when none was. */
  challenge: string | undefined;
}

/** A redeemed code, with its user's email, as the statement returns it. */
export type Exchanged = AuthorizationCode & { email: string };

/** Why `exchange` spent nothing. `refused`: live, but the binding or the user's credentials did not match. */
export type Refusal = { reason: 'unknown' | 'expired' } | { reason: 'used' | 'refused'; code: AuthorizationCode };

/** The CTE the tokens' writes select from (user-tokens.ts tokenWrites). */
export const REDEEMED = 'redeemed';

export class AuthorizationCodes {
  #db: Kysely<Database>;
  #tokens: SpendableTokens<'authorization_codes'>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
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

  /**
   * Spend the code, record its grant and store what it buys (`writes`, selecting from REDEEMED)
   * in one statement, if the code is unspent and unexpired, matches `binding`, and its user's
   * credential version is still the one it was issued under. A check that fails spends nothing.
   * Undefined when nothing was spent; `diagnose` tells why.
   */
  async exchange(code: string, binding: CodeBinding, writes: Step[]): Promise<Exchanged | undefined> {
    const now = new Date().toISOString();
    const hash = sha256(code);
    const redirectUri = binding.redirectUri ?? null;
    const challenge = binding.challenge ?? null;
    const spend = sql`update authorization_codes c set used_at = ${now}::timestamptz
      from code_user u
      where c.code_hash = ${hash} and c.used_at is null and c.expires_at > ${now}::timestamptz
        and c.client_id = ${binding.clientId}
        -- RFC 6749 §4.1.3: redirect_uri is required if it was in the authorization request, and identical.
        and (not c.redirect_uri_sent or ${redirectUri}::text is not null)
        and (${redirectUri}::text is null or c.redirect_uri = ${redirectUri}::text)
        -- RFC 7636 §4.6, and RFC 9700 §4.8.2: a verifier without a challenge is a downgrade. The
        -- challenge went through the browser, so comparing it here gives nothing away.
        and (case when c.code_challenge is null then ${challenge}::text is null else c.code_challenge = ${challenge}::text end)
        and u.id = c.user_id and u.credential_version = c.credential_version
      returning c.*, u.email`;
    const user: Step = ['code_user', usersNamed(sql`select user_id from authorization_codes where code_hash = ${hash}`)];
    return spendAndStore<Exchanged>(this.#db, [user, [REDEEMED, spend], ['grant', grantOfCode(REDEEMED)], ...writes], REDEEMED);
  }

  /** Why `exchange` spent nothing, read afterwards (the uncommon path). */
  async diagnose(code: string): Promise<Refusal> {
    const row = await this.#tokens.find(code);
    if (!row) return { reason: 'unknown' };
    // RFC 6749 §4.1.2: a second redemption is reported with the code, so that the grant's
    // tokens can be revoked.
    const state = this.#tokens.state(row);
    if (state === 'used') return { reason: 'used', code: row };
    if (state === 'expired') return { reason: 'expired' };
    return { reason: 'refused', code: row };
  }

  /** Drop codes expired for a day (a replay within that day still revokes). */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
