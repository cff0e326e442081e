// Grants: one row each time a user authorises a client (a redeemed code, or an implicit token).
// Every token issued under a grant names it, so revoking the grant (the user removing an app, a
// replayed code, a reused refresh token) kills its refresh tokens, its opaque access tokens and
// its JWTs (put on the deny-list), on every instance. Consents remembered per scope set live here.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { GrantKind, GrantsTable } from '../db/schema-interactive.ts';
import { newId } from '../db/ids.ts';
import { emit } from '../events/outbox.ts';
import { revokeFamily } from './refresh-tokens.ts';
import type { Tokens } from './tokens.ts';

export type Grant = Selectable<GrantsTable>;

export interface GrantUser {
  id: string;
  organizationId: string;
  credentialVersion: number;
}

/** The sign-in behind a grant (OIDC Core §2 auth_time and amr, RFC 8176 values). */
export interface SignIn {
  authTime: Date;
  amr: string[];
}

/** The sign-in a code or grant row recorded (amr space-separated); undefined for rows made before OpenID Connect. */
export function recordedSignIn(row: { auth_time: Date | null; amr: string | null }): SignIn | undefined {
  return row.auth_time ? { authTime: row.auth_time, amr: (row.amr ?? '').split(' ').filter(Boolean) } : undefined;
}

/** A scope set in one canonical spelling: unique, sorted, space-separated. */
function scopeSet(scope: string): string {
  return [...new Set(scope.split(' ').filter(Boolean))].sort().join(' ');
}

/*
 * Parts of the single statements that spend a code or a refresh token (db/spend-statement.ts),
 * each selecting from a WITH item named `source`.
 */

/**
 * The grants `ids` (a subquery) names that are live, with their user, while the user's
 * credential version is the one the grant was made under: grant_id, organization_id,
 * auth_time, amr, user_id, email, credential_version.
 */
export function liveGrantsNamed(ids: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select g.id as grant_id, g.organization_id, g.auth_time, g.amr, u.id as user_id, u.email, u.credential_version
    from grants g join users u on u.id = g.user_id
    where g.id in (${ids}) and g.revoked_at is null and g.credential_version = u.credential_version`;
}

/** Record the grant of a redeemed code (`source` has the code's columns). */
export function grantOfCode(source: string): RawBuilder<unknown> {
  return sql`insert into grants (id, client_id, user_id, organization_id, kind, scope, credential_version, auth_time, amr)
    select grant_id, client_id, user_id, organization_id, 'authorization_code', scope, credential_version, auth_time, amr from ${sql.id(source)}`;
}

/** Note a JWT issued under the grant of `source`, so that revoking the grant can put it on the deny-list. */
export function jtiOfGrant(source: string, jti: string, expiresAt: Date): RawBuilder<unknown> {
  return sql`insert into grant_jtis (jti, grant_id, expires_at) select ${jti}, grant_id, ${expiresAt.toISOString()}::timestamptz from ${sql.id(source)}`;
}

export interface AuthorisedApp {
  clientId: string;
  name: string;
  scope: string;
  since: Date;
}

export class Authorizations {
  #db: Kysely<Database>;
  #tokens: Tokens;

  constructor(db: Kysely<Database>, tokens: Tokens) {
    this.#db = db;
    this.#tokens = tokens;
  }

  async create(
    trx: Kysely<Database>,
    input: { id?: string; clientId: string; user: GrantUser; kind: GrantKind; scope: string; signIn?: SignIn },
  ): Promise<Grant> {
    return trx
      .insertInto('grants')
      .values({
        id: input.id ?? newId(),
        client_id: input.clientId,
        user_id: input.user.id,
        organization_id: input.user.organizationId,
        kind: input.kind,
        scope: input.scope,
        credential_version: input.user.credentialVersion,
        // Kept for the ID Tokens of later refreshes, which repeat them (OIDC Core §12.2).
        auth_time: input.signIn?.authTime ?? null,
        amr: input.signIn?.amr.join(' ') ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * Revoke a grant and everything issued under it. The conditional update on the grant row
   * comes first, so concurrent revocations of one grant queue on that row and only the first
   * does the work. Returns false when it was already revoked (or never existed).
   */
  async revoke(grantId: string, reason: string): Promise<boolean> {
    const denied: { jti: string; exp: number }[] = [];
    const done = await this.#db.transaction().execute((trx) => this.#revokeIn(trx, grantId, reason, denied));
    this.#tokens.denied(denied);
    return done;
  }

  /** After a credential change: revoke every live grant of the user, each in its own transaction. */
  async revokeAllOf(userId: string, reason: string): Promise<void> {
    const grants = await this.#db.selectFrom('grants').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    for (const g of grants) await this.revoke(g.id, reason);
  }

  /**
   * Revoke every live grant of a user inside `trx`, the transaction that removes them (their
   * grants go with the row, so the JWTs must reach the deny-list first). Call the returned
   * function once `trx` has committed: it updates this instance's copy of the deny-list.
   */
  async revokeUserIn(trx: Kysely<Database>, userId: string, reason: string): Promise<() => void> {
    const denied: { jti: string; exp: number }[] = [];
    const grants = await trx.selectFrom('grants').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    for (const g of grants) await this.#revokeIn(trx, g.id, reason, denied);
    return () => this.#tokens.denied(denied);
  }

  async #revokeIn(trx: Kysely<Database>, grantId: string, reason: string, denied: { jti: string; exp: number }[]): Promise<boolean> {
    const now = new Date();
    const grant = await trx
      .updateTable('grants')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('id', '=', grantId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!grant) return false;
    await revokeFamily(trx, grantId, now);
    await this.#tokens.revokeGrantIn(trx, grantId, now);
    const jtis = await trx.selectFrom('grant_jtis').select(['jti', 'expires_at']).where('grant_id', '=', grantId).where('expires_at', '>', now).execute();
    const entries = jtis.map((j) => ({ jti: j.jti, exp: Math.ceil(j.expires_at.getTime() / 1000) }));
    await this.#tokens.denyJtis(trx, entries);
    denied.push(...entries);
    await emit(trx, {
      type: 'token.revoked',
      organizationId: grant.organization_id,
      data: { organizationId: grant.organization_id, clientId: grant.client_id, userId: grant.user_id, reason },
    });
    return true;
  }

  /**
   * Whether a user's JWT access token still speaks for them, exactly and at once: its grant is
   * live and was made under the user's current credential version. A password change moves the
   * version on in the statement that stores the password, but the grants are revoked (and the
   * JWTs put on the deny-list) only afterwards, one transaction each; a JWT cannot carry the
   * version it was issued under, its grant_jtis row names the grant that does. Refresh refuses a
   * grant whose version lags the user's, so every JWT of a grant was minted under the grant's
   * version: a mismatch means the password changed after the token was issued. One lookup by
   * primary key and two joins; a removed user's grants (and their rows here) are gone with them.
   */
  async jwtLive(jti: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('grant_jtis')
      .innerJoin('grants', 'grants.id', 'grant_jtis.grant_id')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .select('grants.id')
      .where('grant_jtis.jti', '=', jti)
      .where('grants.revoked_at', 'is', null)
      .whereRef('grants.credential_version', '=', 'users.credential_version')
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * The grant a refresh token names with its user, read together (inside the refreshing `trx`):
   * the grant is good only while the user's credential version is the one it was made under.
   */
  async withUser(trx: Kysely<Database>, grantId: string) {
    return trx
      .selectFrom('grants')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .select([
        'grants.id',
        'grants.revoked_at',
        'grants.credential_version',
        'grants.organization_id',
        'grants.auth_time',
        'grants.amr',
        'users.id as user_id',
        'users.email',
        'users.credential_version as user_version',
      ])
      .where('grants.id', '=', grantId)
      .executeTakeFirst();
  }

  /** The user's live grants for a client. */
  async live(userId: string, clientId?: string): Promise<Grant[]> {
    let query = this.#db
      .selectFrom('grants')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .selectAll('grants')
      .where('grants.user_id', '=', userId)
      .where('grants.revoked_at', 'is', null)
      .whereRef('grants.credential_version', '=', 'users.credential_version');
    if (clientId !== undefined) query = query.where('grants.client_id', '=', clientId);
    return query.orderBy('grants.created_at').execute();
  }

  /** The apps a user has authorised and not revoked, one entry per client. */
  async apps(userId: string): Promise<AuthorisedApp[]> {
    const rows = await this.#db
      .selectFrom('grants')
      .innerJoin('users', 'users.id', 'grants.user_id')
      .innerJoin('clients', 'clients.id', 'grants.client_id')
      .select(['grants.client_id', 'clients.name', 'grants.scope', 'grants.created_at'])
      .where('grants.user_id', '=', userId)
      .where('grants.revoked_at', 'is', null)
      .whereRef('grants.credential_version', '=', 'users.credential_version')
      .orderBy('grants.created_at')
      .execute();
    const apps = new Map<string, AuthorisedApp>();
    for (const r of rows) {
      const app = apps.get(r.client_id);
      if (!app) apps.set(r.client_id, { clientId: r.client_id, name: r.name, scope: scopeSet(r.scope), since: r.created_at });
      else app.scope = scopeSet(`${app.scope} ${r.scope}`);
    }
    return [...apps.values()];
  }

  /** The user removes an app: every grant to it is revoked and its consents forgotten. */
  async revokeApp(userId: string, clientId: string): Promise<number> {
    const grants = await this.#db
      .selectFrom('grants')
      .select('id')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .execute();
    let revoked = 0;
    for (const g of grants) if (await this.revoke(g.id, 'user_revoked')) revoked++;
    await this.#db.deleteFrom('consents').where('user_id', '=', userId).where('client_id', '=', clientId).execute();
    return revoked;
  }

  async hasConsent(userId: string, clientId: string, scope: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('consents')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('client_id', '=', clientId)
      .where('scope', '=', scopeSet(scope))
      .executeTakeFirst();
    return row !== undefined;
  }

  async rememberConsent(userId: string, clientId: string, scope: string): Promise<void> {
    await this.#db
      .insertInto('consents')
      .values({ user_id: userId, client_id: clientId, scope: scopeSet(scope) })
      .onConflict((oc) => oc.columns(['user_id', 'client_id', 'scope']).doNothing())
      .execute();
  }
}
