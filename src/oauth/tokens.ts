// Access tokens: minted as RFC 9068 JWTs (signed by the keystore) or as opaque random strings
// stored as SHA-256. Also the state that makes revocation hold everywhere: the jti deny-list,
// kept in memory on every instance and filled by signals.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import { RESYNC, signal, signalEach, type Storage } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import type { Keystore } from '../keys/keystore.ts';
import type { Client } from '../clients/clients.ts';

export const OPAQUE_PREFIX = 'gho_';

export interface IssueRequest {
  client: Client;
  subject: string;
  scope: string;
  ttl: number; // seconds; 0 = never expires (opaque only)
  extraClaims?: Record<string, unknown>;
  /** The user the token acts for: an opaque token dies when the user's credential version moves on. */
  user?: { id: string; organizationId: string; credentialVersion: number };
  /** The grant it was issued under (revoking the grant revokes the token). */
  grantId?: string;
  /** Overrides the client's token format (implicit-grant tokens are always opaque). */
  format?: 'jwt' | 'opaque';
  /** The transaction to store an opaque token in. */
  db?: Kysely<Database>;
  /** Its id, when chosen beforehand (stored under its grant by the statement that spent a code or refresh token). */
  jti?: string;
}

export interface Issued {
  token: string;
  jti: string;
  expiresIn: number | undefined;
}

/** RFC 7662 §2.2 response fields for an active token. */
export interface ActiveToken {
  active: true;
  token_type: 'Bearer';
  client_id: string;
  sub: string;
  scope: string;
  iss: string;
  aud?: string | string[];
  iat: number;
  exp?: number;
  jti: string;
  [claim: string]: unknown;
}

/**
 * Store an opaque access token issued under the grant of `source` (grant_id, user_id,
 * organization_id, credential_version, scope), as part of the statement that spent a code or
 * refresh token (db/spend-statement.ts). `scope`: the token's, when narrower than the grant's.
 */
export function opaqueOfGrant(
  source: string,
  token: { hash: string; jti: string; clientId: string; scope: string | undefined; expiresAt: Date | null },
): RawBuilder<unknown> {
  return sql`insert into access_tokens (token_hash, jti, client_id, subject, scope, expires_at, user_id, organization_id, credential_version, grant_id)
    select ${token.hash}, ${token.jti}, ${token.clientId}, user_id, coalesce(${token.scope ?? null}::text, scope), ${token.expiresAt?.toISOString() ?? null}::timestamptz,
      user_id, organization_id, credential_version, grant_id
    from ${sql.id(source)}`;
}

export class Tokens {
  #db: Kysely<Database>;
  #keystore: Keystore;
  #issuer: string;
  #audience: string;
  #revoked = new Map<string, number>(); // jti -> expiry (epoch seconds)
  #waiting = new Map<string, () => void>();
  #sync: () => Promise<void>;

  constructor(storage: Storage, keystore: Keystore, issuer: string) {
    this.#db = storage.db;
    this.#sync = () => storage.sync();
    this.#keystore = keystore;
    this.#issuer = issuer;
    this.#audience = issuer;
    storage.onSignal((s) => {
      // Revocations signalled while the listener was away are lost: read the whole list again.
      if (s.topic === RESYNC) return void this.refreshRevocations().catch(() => {});
      if (s.topic !== 'revoked' || !s.id) return;
      const [jti, exp] = s.id.split(' ');
      this.#revoked.set(jti, Number(exp));
      this.#waiting.get(jti)?.();
    });
  }

  /** Load the deny-list; call once at boot and periodically (it also drops expired entries). */
  async refreshRevocations(): Promise<void> {
    const now = new Date();
    await this.#db.deleteFrom('revoked_jtis').where('expires_at', '<=', now).execute();
    const rows = await this.#db.selectFrom('revoked_jtis').selectAll().execute();
    const fresh = new Map<string, number>();
    for (const r of rows) fresh.set(r.jti, Math.floor(r.expires_at.getTime() / 1000));
    // Keep entries that arrived by signal while the query ran.
    const nowSeconds = Math.floor(now.getTime() / 1000);
    for (const [jti, exp] of this.#revoked) if (exp > nowSeconds && !fresh.has(jti)) fresh.set(jti, exp);
    this.#revoked = fresh;
  }

  issue(req: IssueRequest): Promise<Issued> {
    const now = Math.floor(Date.now() / 1000);
    const jti = req.jti ?? randomUUID();
    if ((req.format ?? req.client.token_format) === 'opaque') return this.#issueOpaque(req, jti, now);
    const claims: Record<string, unknown> = {
      iss: this.#issuer,
      sub: req.subject,
      aud: this.#audience,
      exp: now + req.ttl,
      iat: now,
      jti,
      client_id: req.client.id,
      scope: req.scope,
      ...req.extraClaims,
    };
    return this.#keystore.signAccessToken(claims).then((token) => ({ token, jti, expiresIn: req.ttl }));
  }

  async #issueOpaque(req: IssueRequest, jti: string, now: number): Promise<Issued> {
    const token = OPAQUE_PREFIX + randomToken(32);
    await (req.db ?? this.#db)
      .insertInto('access_tokens')
      .values({
        token_hash: sha256(token),
        jti,
        client_id: req.client.id,
        subject: req.subject,
        scope: req.scope,
        expires_at: req.ttl > 0 ? new Date((now + req.ttl) * 1000) : null,
        user_id: req.user?.id ?? null,
        organization_id: req.user?.organizationId ?? null,
        credential_version: req.user?.credentialVersion ?? null,
        grant_id: req.grantId ?? null,
      })
      .execute();
    return { token, jti, expiresIn: req.ttl > 0 ? req.ttl : undefined };
  }

  /** The token's claims if it is active here and now, else undefined. Never throws on bad input. */
  async inspect(token: string): Promise<ActiveToken | undefined> {
    if (token.startsWith(OPAQUE_PREFIX)) return this.#inspectOpaque(token);
    let claims: Record<string, unknown>;
    try {
      const verified = this.#keystore.verify(token);
      if (verified.header.typ !== 'at+jwt') return undefined; // RFC 9068 §4: reject other JWT types
      claims = verified.claims;
    } catch {
      return undefined;
    }
    if (typeof claims.jti !== 'string') return undefined;
    // A revocation on another instance holds here as soon as its response is sent: take in
    // every signal committed before this request first.
    if (!this.#revoked.has(claims.jti)) await this.#sync();
    if (this.#revoked.has(claims.jti)) return undefined;
    return { active: true, token_type: 'Bearer', ...claims } as ActiveToken;
  }

  async #inspectOpaque(token: string): Promise<ActiveToken | undefined> {
    const row = await this.#db
      .selectFrom('access_tokens')
      .leftJoin('users', 'users.id', 'access_tokens.user_id')
      .selectAll('access_tokens')
      .select('users.credential_version as user_version')
      .where('access_tokens.token_hash', '=', sha256(token))
      .executeTakeFirst();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at <= new Date())) return undefined;
    // Seed 002: a user's token dies when they change their password (or are removed). The
    // version is read on every use, so this holds on every instance at once.
    if (row.user_id !== null && row.user_version !== row.credential_version) return undefined;
    return {
      active: true,
      token_type: 'Bearer',
      client_id: row.client_id,
      sub: row.subject,
      scope: row.scope,
      iss: this.#issuer,
      aud: this.#audience,
      iat: Math.floor(row.created_at.getTime() / 1000),
      ...(row.expires_at ? { exp: Math.floor(row.expires_at.getTime() / 1000) } : {}),
      jti: row.jti,
      ...(row.organization_id ? { organization_id: row.organization_id } : {}),
    };
  }

  /** Revoke, inside `trx`, the opaque access tokens issued under a grant being revoked. */
  async revokeGrantIn(trx: Kysely<Database>, grantId: string, at: Date): Promise<void> {
    await trx.updateTable('access_tokens').set({ revoked_at: at }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
  }

  /**
   * Put JWT ids on the deny-list inside `trx` (revoking a grant); every instance hears the
   * signals on commit. Call `denied` after the commit for this instance's own copy.
   */
  async denyJtis(trx: Kysely<Database>, entries: { jti: string; exp: number }[]): Promise<void> {
    if (entries.length === 0) return;
    await trx
      .insertInto('revoked_jtis')
      .values(entries.map((e) => ({ jti: e.jti, expires_at: new Date(e.exp * 1000) })))
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
    await signalEach(
      trx,
      'revoked',
      entries.map((e) => `${e.jti} ${e.exp}`),
    );
  }

  denied(entries: { jti: string; exp: number }[]): void {
    for (const e of entries) this.#revoked.set(e.jti, e.exp);
  }

  /**
   * Revoke an active token. JWTs go on the deny-list until they expire; opaque tokens are
   * marked in place. Returns once this instance has heard its own signal, which every other
   * instance receives at the same moment.
   */
  async revoke(token: string, active: ActiveToken): Promise<void> {
    if (token.startsWith(OPAQUE_PREFIX)) {
      await this.#db
        .updateTable('access_tokens')
        .set({ revoked_at: new Date() })
        .where('token_hash', '=', sha256(token))
        .where('revoked_at', 'is', null)
        .execute();
      return;
    }
    const exp = active.exp ?? Math.floor(Date.now() / 1000) + 3600;
    const heard = new Promise<void>((resolve) => {
      this.#waiting.set(active.jti, resolve);
      setTimeout(resolve, 2000).unref();
    });
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('revoked_jtis')
        .values({ jti: active.jti, expires_at: new Date(exp * 1000) })
        .onConflict((oc) => oc.column('jti').doNothing())
        .execute();
      await signal(trx, 'revoked', `${active.jti} ${exp}`);
    });
    this.#revoked.set(active.jti, exp);
    await heard;
    this.#waiting.delete(active.jti);
  }
}
