// Refresh tokens: opaque, stored as SHA-256, rotated on every use (RFC 9700 §4.14.2). A token is
// spent and its successor stored by one conditional UPDATE inside one statement, so concurrent
// uses of one token give exactly one winner; the losers see a spent token.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { sha256 } from '../crypto.ts';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import { spendAndStore } from '../db/spend-statement.ts';
import type { Database } from '../db/schema.ts';
import type { RefreshTokensTable } from '../db/schema-interactive.ts';

export type RefreshToken = Selectable<RefreshTokensTable>;
export const REFRESH_PREFIX = 'ghr_';

/** A spent (or, in the grace window, re-presented) token with its grant and user, as the statement returns them. */
export interface Rotated {
  grant_id: string;
  /** The spent token's scope: the grant's, which its successor keeps (RFC 6749 §6). */
  scope: string;
  used_at: Date;
  organization_id: string;
  auth_time: Date | null;
  amr: string | null;
  user_id: string;
  email: string;
  credential_version: number;
}

/** Why a token was not rotated. `refused`: live and this client's, but its grant, its user or the scope asked for did not allow it. */
export type Refusal = { reason: 'unknown' | 'expired' | 'revoked' } | { reason: 'used' | 'refused'; token: RefreshToken };

/** The CTE the successor's writes select from (user-tokens.ts tokenWrites). */
export const SPENT = 'spent';

/** Revoke, inside `trx`, the refresh tokens of a grant being revoked (spent ones too: a reuse then says "revoked"). */
export async function revokeFamily(trx: Kysely<Database>, grantId: string, at: Date): Promise<void> {
  await trx.updateTable('refresh_tokens').set({ revoked_at: at }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
}

export class RefreshTokens {
  #db: Kysely<Database>;
  #tokens: SpendableTokens<'refresh_tokens'>;

  constructor(db: Kysely<Database>, options: { ttlSeconds: number }) {
    this.#db = db;
    this.#tokens = new SpendableTokens(db, { table: 'refresh_tokens', hashColumn: 'token_hash', ttlSeconds: options.ttlSeconds, prefix: REFRESH_PREFIX });
  }

  /** A new refresh token, for a statement that stores it (user-tokens.ts tokenWrites). */
  fresh(): { token: string; hash: string; expiresAt: Date } {
    return this.#tokens.fresh();
  }

  /**
   * Spend the token and store what it buys (`writes`, selecting from SPENT) in one statement,
   * if this client owns it, it is unspent, unrevoked and unexpired, its grant is unrevoked and
   * was made under the user's current credential version, and `narrowed` (a scope asked for)
   * lies within its scope. Concurrent rotations of one token queue on its row: PostgreSQL
   * re-checks `used_at is null` on the row a loser waited for, so it spends nothing and writes
   * nothing. Undefined when nothing was spent; `diagnose` tells why.
   */
  async rotate(token: string, clientId: string, narrowed: string[] | undefined, writes: RawBuilder<unknown>[]): Promise<Rotated | undefined> {
    const now = new Date().toISOString();
    const spend = sql`update refresh_tokens r set used_at = ${now}::timestamptz
      from grants g join users u on u.id = g.user_id
      where r.token_hash = ${sha256(token)} and r.client_id = ${clientId}
        and r.used_at is null and r.revoked_at is null and r.expires_at > ${now}::timestamptz
        and ${live(narrowed)}
      returning ${RETURNED}`;
    return spendAndStore<Rotated>(this.#db, SPENT, spend, writes);
  }

  /**
   * The grace window: store another successor of a token already spent (the caller checked when),
   * on the same conditions as `rotate` but for being unspent. Undefined when they do not hold.
   */
  async branch(token: string, clientId: string, narrowed: string[] | undefined, writes: RawBuilder<unknown>[]): Promise<Rotated | undefined> {
    const spend = sql`select ${RETURNED}
      from refresh_tokens r, grants g join users u on u.id = g.user_id
      where r.token_hash = ${sha256(token)} and r.client_id = ${clientId} and r.revoked_at is null
        and ${live(narrowed)}`;
    return spendAndStore<Rotated>(this.#db, SPENT, spend, writes);
  }

  /** Why `rotate` spent nothing, read afterwards (the uncommon path). */
  async diagnose(token: string, clientId: string): Promise<Refusal> {
    const row = await this.#tokens.find(token);
    // RFC 6749 §5.2: a token issued to another client is simply invalid for this one.
    if (!row || row.client_id !== clientId) return { reason: 'unknown' };
    if (row.revoked_at) return { reason: 'revoked' };
    // RFC 9700 §4.14.2: a spent token presented again is reported with its row, so that the
    // grant can be revoked (the caller decides).
    if (row.used_at) return { reason: 'used', token: row };
    if (row.expires_at <= new Date()) return { reason: 'expired' };
    return { reason: 'refused', token: row };
  }

  find(token: string, db?: Kysely<Database>): Promise<RefreshToken | undefined> {
    return this.#tokens.find(token, db);
  }

  /** Drop tokens expired for a day. */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}

const RETURNED = sql`r.grant_id, r.scope, r.used_at, g.organization_id, g.auth_time, g.amr, u.id as user_id, u.email, u.credential_version`;

/** The token's grant is live, under the user's current credential version, and holds the scope asked for. */
function live(narrowed: string[] | undefined) {
  const grant = sql`g.id = r.grant_id and g.revoked_at is null and g.credential_version = u.credential_version`;
  return narrowed === undefined ? grant : sql`${grant} and ${narrowed}::text[] <@ string_to_array(r.scope, ' ')`;
}
