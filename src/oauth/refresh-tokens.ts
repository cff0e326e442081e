// Refresh tokens: opaque, stored as SHA-256, rotated on every use (RFC 9700 §4.14.2). Like a
// code, a refresh token is spent by one conditional UPDATE, so concurrent uses of one token
// give exactly one winner; the losers see a spent token.
import type { Kysely, Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { RefreshTokensTable } from '../db/schema-interactive.ts';

export type RefreshToken = Selectable<RefreshTokensTable>;
export const REFRESH_PREFIX = 'ghr_';

export type Spent =
  | { ok: true; token: RefreshToken }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' }
  | { ok: false; reason: 'used'; token: RefreshToken };

export class RefreshTokens {
  #db: Kysely<Database>;
  #ttlSeconds: number;

  constructor(db: Kysely<Database>, options: { ttlSeconds: number }) {
    this.#db = db;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async issue(trx: Kysely<Database>, input: { grantId: string; clientId: string; scope: string }): Promise<string> {
    const token = REFRESH_PREFIX + randomToken(32);
    await trx.insertInto('refresh_tokens').values({
      token_hash: sha256(token),
      grant_id: input.grantId,
      client_id: input.clientId,
      scope: input.scope,
      expires_at: new Date(Date.now() + this.#ttlSeconds * 1000),
    }).execute();
    return token;
  }

  /** Spend the token if the client owns it and it is live; otherwise say why not. */
  async spend(trx: Kysely<Database>, token: string, clientId: string): Promise<Spent> {
    const hash = sha256(token);
    const now = new Date();
    const row = await trx.updateTable('refresh_tokens').set({ used_at: now })
      .where('token_hash', '=', hash).where('client_id', '=', clientId)
      .where('used_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
    if (row) return { ok: true, token: row };
    const existing = await this.find(token, trx);
    // RFC 6749 §5.2: a token issued to another client is simply invalid for this one.
    if (!existing || existing.client_id !== clientId) return { ok: false, reason: 'unknown' };
    if (existing.revoked_at) return { ok: false, reason: 'revoked' };
    if (existing.used_at) return { ok: false, reason: 'used', token: existing };
    return { ok: false, reason: 'expired' };
  }

  find(token: string, db: Kysely<Database> = this.#db): Promise<RefreshToken | undefined> {
    return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
  }

  /** Drop tokens expired for a day. */
  async purge(): Promise<void> {
    await this.#db.deleteFrom('refresh_tokens').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  }
}
