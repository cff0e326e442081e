// Console sessions: like organization users' browser sessions (a random id in an HttpOnly
// cookie, only its SHA-256 stored), but a table and a cookie of their own, scoped to /console, so
// that neither kind of session can stand in for the other. A session ends at its absolute expiry,
// after the idle timeout without a request, when signed out, or (for an operator account) when
// the operator's credential version moves on (a new password).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { sha256 } from '../crypto.ts';
import { OneTimeTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';
import { CONSOLE_PATH } from '../http/paths.ts';

export const CONSOLE_COOKIE = 'gh_console';

/** Who is signed in to the console: an operator account, or whoever holds the admin token. */
export interface ConsoleSession {
  operatorId: string | null;
  email: string | null;
  /** The audit log's actor for what this session does. */
  actor: string;
  expiresAt: Date;
}

export const ADMIN_TOKEN_ACTOR = 'admin-token';
export const operatorActor = (id: string) => `operator:${id}`;

/** Idle sessions are touched at most this often, so a busy page does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export class OperatorSessions {
  #db: Kysely<Database>;
  #tokens: OneTimeTokens<'operator_sessions'>;
  #idleMs: number;
  #secure: boolean;

  constructor(db: Kysely<Database>, options: { ttlSeconds: number; idleSeconds: number; secure: boolean }) {
    this.#db = db;
    this.#tokens = new OneTimeTokens(db, { table: 'operator_sessions', hashColumn: 'id_hash', ttlSeconds: options.ttlSeconds });
    this.#idleMs = options.idleSeconds * 1000;
    this.#secure = options.secure;
  }

  /** Start a session (operator null: the admin token) and set its cookie. */
  async start(reply: FastifyReply, operator: { id: string; credential_version: number } | null): Promise<void> {
    const { token, expiresAt } = await this.#tokens.issue({
      operator_id: operator?.id ?? null,
      credential_version: operator?.credential_version ?? null,
    });
    reply.setCookie(CONSOLE_COOKIE, token, {
      path: CONSOLE_PATH,
      httpOnly: true,
      // The console is never entered from another site: Strict keeps the cookie off every
      // cross-site request, top-level navigations included (RFC 6265bis §5.4.7).
      sameSite: 'strict',
      secure: this.#secure || reply.request.protocol === 'https',
      expires: expiresAt,
    });
  }

  /** The request's live console session, if any; each use moves its idle deadline on. */
  async current(request: FastifyRequest): Promise<ConsoleSession | undefined> {
    const id = request.cookies?.[CONSOLE_COOKIE];
    if (!id || id.length > 200) return undefined;
    const row = await this.#db
      .selectFrom('operator_sessions')
      .leftJoin('operators', 'operators.id', 'operator_sessions.operator_id')
      .select([
        'operator_sessions.id_hash',
        'operator_sessions.operator_id',
        'operator_sessions.credential_version',
        'operator_sessions.expires_at',
        'operator_sessions.last_seen_at',
        'operator_sessions.revoked_at',
        'operators.email',
        'operators.credential_version as operator_version',
      ])
      .where('operator_sessions.id_hash', '=', sha256(id))
      .executeTakeFirst();
    const now = Date.now();
    if (!row || row.revoked_at || row.expires_at.getTime() <= now || row.last_seen_at.getTime() + this.#idleMs <= now) return undefined;
    // An operator's session lives only while the account does and its password is the one it began with.
    if (row.operator_id !== null && (row.email === null || row.credential_version !== row.operator_version)) return undefined;
    if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
      await this.#db
        .updateTable('operator_sessions')
        .set({ last_seen_at: new Date(now) })
        .where('id_hash', '=', row.id_hash)
        .execute();
    }
    return {
      operatorId: row.operator_id,
      email: row.email,
      actor: row.operator_id ? operatorActor(row.operator_id) : ADMIN_TOKEN_ACTOR,
      expiresAt: row.expires_at,
    };
  }

  /** End the request's session and clear its cookie. */
  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const id = request.cookies?.[CONSOLE_COOKIE];
    if (id) await this.#db.updateTable('operator_sessions').set({ revoked_at: new Date() }).where('id_hash', '=', sha256(id)).execute();
    reply.clearCookie(CONSOLE_COOKIE, { path: CONSOLE_PATH });
  }

  /** Drop sessions past their absolute expiry for a day. */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
