// Refresh tokens: opaque, stored as SHA-256, rotated on every use (RFC 9700 §4.14.2). Like a
// code, a refresh token is spent by one conditional UPDATE, so concurrent uses of one token
// give exactly one winner; the losers see a spent token.
import type { Kysely, Selectable } from 'kysely';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';
import type { RefreshTokensTable } from '../db/schema-interactive.ts';

export type RefreshToken = Selectable<RefreshTokensTable>;
export const REFRESH_PREFIX = 'ghr_';

export type Spent =
  | { ok: true; token: RefreshToken }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' }
  | { ok: false; reason: 'used'; token: RefreshToken };

/** Revoke, inside `trx`, the refresh tokens of a grant being revoked (spent ones too: a reuse then says "revoked"). */
export async function revokeFamily(trx: Kysely<Database>, grantId: string, at: Date): Promise<void> {
  await trx.updateTable('refresh_tokens').set({ revoked_at: at }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
}

export class RefreshTokens {
  #tokens: SpendableTokens<'refresh_tokens'>;

  constructor(db: Kysely<Database>, options: { ttlSeconds: number }) {
    this.#tokens = new SpendableTokens(db, { table: 'refresh_tokens', hashColumn: 'token_hash', ttlSeconds: options.ttlSeconds, prefix: REFRESH_PREFIX });
  }

  async issue(trx: Kysely<Database>, input: { grantId: string; clientId: string; scope: string }): Promise<string> {
    const { token } = await this.#tokens.issue({ grant_id: input.grantId, client_id: input.clientId, scope: input.scope }, { db: trx });
    return token;
  }

  /** Spend the token if the client owns it and it is live; otherwise say why not. */
  async spend(trx: Kysely<Database>, token: string, clientId: string): Promise<Spent> {
    const result = await this.#tokens.redeem(token, {
      db: trx,
      narrow: (query) => query.where('client_id', '=', clientId).where('revoked_at', 'is', null),
    });
    if (result.ok) return { ok: true, token: result.row };
    if (result.reason === 'unknown') return { ok: false, reason: 'unknown' };
    const existing = result.row;
    // RFC 6749 §5.2: a token issued to another client is simply invalid for this one.
    if (existing.client_id !== clientId) return { ok: false, reason: 'unknown' };
    if (existing.revoked_at) return { ok: false, reason: 'revoked' };
    // RFC 9700 §4.14.2: a spent token presented again is reported with its row, so that the
    // grant can be revoked (the caller decides).
    if (existing.used_at) return { ok: false, reason: 'used', token: existing };
    return { ok: false, reason: 'expired' };
  }

  find(token: string, db?: Kysely<Database>): Promise<RefreshToken | undefined> {
    return this.#tokens.find(token, db);
  }

  /** Drop tokens expired for a day. */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
