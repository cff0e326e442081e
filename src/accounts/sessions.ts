// Browser sessions: a random id in an httpOnly, SameSite=Lax cookie (Secure when the public URL
// is https), stored server-side as SHA-256. A session dies when it expires, is ended, or the
// user's credential version changes (a password change ends every session).
// Any page that signs a user in (login links now, the login page later) calls `create` and
// `setCookie`; any page that needs a user calls `current`.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sha256 } from '../crypto.ts';
import { OneTimeTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';

export const SESSION_COOKIE = 'gh_session';

export interface SessionOptions {
  ttlSeconds: number;
  secure: boolean;
}

export interface CurrentSession {
  userId: string;
  organizationId: string;
  expiresAt: Date;
  /** When the user signed in to start this session (OIDC Core §2 auth_time). */
  authTime: Date;
  /** How they signed in, as RFC 8176 Authentication Method Reference values. */
  amr: string[];
}

/** How a session began: a password, or a one-time link (RFC 8176 `otp`: a single-use secret delivered to the user). */
export type SignInMethod = 'pwd' | 'otp';

export class BrowserSessions {
  #db: Kysely<Database>;
  #options: SessionOptions;
  #tokens: OneTimeTokens<'browser_sessions'>;

  constructor(db: Kysely<Database>, options: SessionOptions) {
    this.#db = db;
    this.#options = options;
    this.#tokens = new OneTimeTokens(db, { table: 'browser_sessions', hashColumn: 'id_hash', ttlSeconds: options.ttlSeconds });
  }

  /** Store a new session (pass the transaction that authenticated the user); returns its id. */
  async create(
    user: { id: string; organization_id: string; credential_version: number },
    method: SignInMethod,
    db?: Kysely<Database>,
  ): Promise<{ id: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.#tokens.issue(
      {
        user_id: user.id,
        organization_id: user.organization_id,
        credential_version: user.credential_version,
        amr: method,
      },
      { db },
    );
    return { id: token, expiresAt };
  }

  setCookie(reply: FastifyReply, session: { id: string; expiresAt: Date }): void {
    reply.setCookie(SESSION_COOKIE, session.id, {
      // Secure on an https public URL, and on a request that came over https (X-Forwarded-Proto
      // counts only from a trusted proxy, GATEHOUSE_TRUST_PROXY).
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#options.secure || reply.request.protocol === 'https',
      expires: session.expiresAt,
    });
  }

  /** The signed-in user, if the request carries a live session. */
  async current(request: FastifyRequest): Promise<CurrentSession | undefined> {
    const id = request.cookies?.[SESSION_COOKIE];
    if (!id || id.length > 200) return undefined;
    const row = await this.#db
      .selectFrom('browser_sessions')
      .innerJoin('users', 'users.id', 'browser_sessions.user_id')
      .innerJoin('organizations', 'organizations.id', 'browser_sessions.organization_id')
      .innerJoin('vendors', 'vendors.id', 'organizations.vendor_id')
      .select([
        'browser_sessions.user_id',
        'browser_sessions.organization_id',
        'browser_sessions.expires_at',
        'browser_sessions.credential_version',
        'browser_sessions.revoked_at',
        'browser_sessions.created_at',
        'browser_sessions.amr',
        'users.credential_version as user_version',
        'vendors.disabled_at as vendor_disabled_at',
      ])
      .where('browser_sessions.id_hash', '=', sha256(id))
      .executeTakeFirst();
    if (!row || row.revoked_at || row.expires_at <= new Date() || row.credential_version !== row.user_version) return undefined;
    if (row.vendor_disabled_at) return undefined;
    return {
      userId: row.user_id,
      organizationId: row.organization_id,
      expiresAt: row.expires_at,
      authTime: row.created_at,
      amr: row.amr.split(' ').filter(Boolean),
    };
  }

  /** Drop sessions that ended more than a day ago. */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }

  /** End the request's session (if any) and clear the cookie. */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = request.cookies?.[SESSION_COOKIE];
    if (id) await this.#db.updateTable('browser_sessions').set({ revoked_at: new Date() }).where('id_hash', '=', sha256(id)).execute();
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }
}
