// Authorization codes (RFC 6749 §4.1.2): random, stored as SHA-256, 60 seconds, single use.
// Redemption is one conditional UPDATE ... WHERE used_at IS NULL RETURNING, so of two racing
// redemptions exactly one gets the row; the other learns the code was used (a replay).
import type { Kysely, Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { AuthorizationCodesTable } from '../db/schema-interactive.ts';
import { newId } from '../db/ids.ts';
import type { GrantUser } from './authorizations.ts';

export type AuthorizationCode = Selectable<AuthorizationCodesTable>;

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; ours is 60 s. */
export const CODE_TTL_SECONDS = 60;

export interface CodeRequest {
  clientId: string;
  user: GrantUser;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string;
  codeChallenge: string | undefined;
}

export type Redeemed =
  | { ok: true; code: AuthorizationCode }
  | { ok: false; reason: 'unknown' | 'expired' }
  | { ok: false; reason: 'used'; code: AuthorizationCode };

export class AuthorizationCodes {
  #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async issue(req: CodeRequest): Promise<string> {
    const code = randomToken(32);
    await this.#db.insertInto('authorization_codes').values({
      code_hash: sha256(code),
      grant_id: newId(),
      client_id: req.clientId,
      user_id: req.user.id,
      organization_id: req.user.organizationId,
      redirect_uri: req.redirectUri,
      redirect_uri_sent: req.redirectUriSent,
      scope: req.scope,
      code_challenge: req.codeChallenge ?? null,
      credential_version: req.user.credentialVersion,
      expires_at: new Date(Date.now() + CODE_TTL_SECONDS * 1000),
    }).execute();
    return code;
  }

  /** Mark the code used, atomically, inside `trx`; or say why it cannot be. */
  async redeem(trx: Kysely<Database>, code: string): Promise<Redeemed> {
    const hash = sha256(code);
    const now = new Date();
    const row = await trx.updateTable('authorization_codes').set({ used_at: now })
      .where('code_hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
    if (row) return { ok: true, code: row };
    const existing = await trx.selectFrom('authorization_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
    if (!existing) return { ok: false, reason: 'unknown' };
    if (existing.used_at) return { ok: false, reason: 'used', code: existing };
    return { ok: false, reason: 'expired' };
  }

  /** Drop codes expired for a day (a replay within that day still revokes). */
  async purge(): Promise<void> {
    await this.#db.deleteFrom('authorization_codes').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  }
}
