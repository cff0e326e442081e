// Refresh tokens: opaque, stored as SHA-256, rotated on every use (RFC 9700 §4.14.2). A token is
// spent and its successor stored by one conditional UPDATE inside one statement, so concurrent
// uses of one token give exactly one winner; the losers see a spent token.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { sha256 } from '../crypto.ts';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import { spendAndStore, type Step } from '../db/spend-statement.ts';
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

/** The WITH item the successor's writes select from (user-tokens.ts tokenWrites). */
export const SPENT = 'spent';
/** The WITH item holding the token's grant, if live, with its user. */
const GRANT = 'live_grant';

/** Store a successor of the token in `source` (its grant_id and scope), within the spending statement. */
export function successorOf(source: string, next: { hash: string; clientId: string; expiresAt: Date }): RawBuilder<unknown> {
  return sql`insert into refresh_tokens (token_hash, grant_id, client_id, scope, expires_at)
    select ${next.hash}, grant_id, ${next.clientId}, scope, ${next.expiresAt.toISOString()}::timestamptz from ${sql.id(source)}`;
}

/** Revoke, inside `trx`, the refresh tokens of a grant being revoked (spent ones too: a reuse then says "revoked"). */
export async function revokeFamily(trx: Kysely<Database>, grantId: string, at: Date): Promise<void> {
  await trx.updateTable('refresh_tokens').set({ revoked_at: at }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
}

/** The grants a subquery names, if live, with their user (authorizations.ts liveGrantsNamed, which owns that read). */
type LiveGrants = (ids: RawBuilder<unknown>) => RawBuilder<unknown>;

export class RefreshTokens {
  #db: Kysely<Database>;
  #tokens: SpendableTokens<'refresh_tokens'>;
  #liveGrants: LiveGrants;

  constructor(db: Kysely<Database>, options: { ttlSeconds: number; liveGrants: LiveGrants }) {
    this.#db = db;
    this.#liveGrants = options.liveGrants;
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
  async rotate(token: string, clientId: string, narrowed: string[] | undefined, writes: Step[]): Promise<Rotated | undefined> {
    const now = new Date().toISOString();
    const hash = sha256(token);
    const spend = sql`update refresh_tokens r set used_at = ${now}::timestamptz
      from ${sql.id(GRANT)} g
      where r.token_hash = ${hash} and r.client_id = ${clientId}
        and r.used_at is null and r.revoked_at is null and r.expires_at > ${now}::timestamptz
        and ${within(narrowed)}
      returning ${RETURNED}`;
    return spendAndStore<Rotated>(this.#db, [this.#liveGrantOf(hash), [SPENT, spend], ...writes], SPENT);
  }

  /**
   * The grace window: store another successor of a token already spent (the caller checked when),
   * on the same conditions as `rotate` but for being unspent. Undefined when they do not hold.
   */
  async branch(token: string, clientId: string, narrowed: string[] | undefined, writes: Step[]): Promise<Rotated | undefined> {
    const hash = sha256(token);
    const spend = sql`select ${RETURNED}
      from refresh_tokens r, ${sql.id(GRANT)} g
      where r.token_hash = ${hash} and r.client_id = ${clientId} and r.revoked_at is null
        and ${within(narrowed)}`;
    return spendAndStore<Rotated>(this.#db, [this.#liveGrantOf(hash), [SPENT, spend], ...writes], SPENT);
  }

  /** The token's grant, while it is live under the user's current credential version. */
  #liveGrantOf(hash: string): Step {
    return [GRANT, this.#liveGrants(sql`select grant_id from refresh_tokens where token_hash = ${hash}`)];
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

const RETURNED = sql`r.grant_id, r.scope, r.used_at, g.organization_id, g.auth_time, g.amr, g.user_id, g.email, g.credential_version`;

/** The token is of that grant, and holds the scope asked for (RFC 6749 §6). */
function within(narrowed: string[] | undefined) {
  const ofGrant = sql`g.grant_id = r.grant_id`;
  return narrowed === undefined ? ofGrant : sql`${ofGrant} and ${narrowed}::text[] <@ string_to_array(r.scope, ' ')`;
}
