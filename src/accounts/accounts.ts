// People signing in: email and password checks (throttled, with one answer whether or not the
// account exists), starting a browser session, and setting or changing a password. A new
// password moves the user's credential version on, which ends every browser session and kills
// every opaque token issued to the user; their grants are revoked too, so JWTs and refresh
// tokens die with them.
import type { Kysely } from 'kysely';
import type { BrowserSessions, SignInMethod } from './sessions.ts';
import { findUser, recordSignIn, type User, signInCandidates, storePasswordHash } from './users.ts';
import type { Database } from '../db/schema.ts';
import { emit } from '../events/outbox.ts';
import type { Authorizations } from '../oauth/authorizations.ts';
import { DecoyHash, hashPassword, verifyPassword } from './passwords.ts';
import type { LoginThrottle, ThrottleLayer } from './throttle.ts';

export type { User };

export type SignIn = { ok: true; user: User } | { ok: false; reason: 'invalid' } | { ok: false; reason: 'throttled'; layer: ThrottleLayer; retryAfter: number };

export interface AccountsDeps {
  db: Kysely<Database>;
  throttle: LoginThrottle;
  sessions: BrowserSessions;
  authorizations: Authorizations;
}

export class Accounts {
  #deps: AccountsDeps;
  #decoy = new DecoyHash();

  constructor(deps: AccountsDeps) {
    this.#deps = deps;
  }

  /**
   * Check an email and password. The throttle admits or refuses the attempt before any hashing:
   * a refused one never reaches a password check, so its answer and timing say nothing.
   */
  async authenticate(email: string, password: string, ip: string): Promise<SignIn> {
    const { db, throttle } = this.#deps;
    const normalized = email.trim().toLowerCase();
    const admission = await throttle.admit(normalized, ip);
    if (!admission.admitted) return { ok: false, reason: 'throttled', layer: admission.layer, retryAfter: admission.retryAfter };
    // The same address may belong to users of several organizations: the password picks one.
    const candidates = await signInCandidates(db, normalized);
    let user: User | undefined;
    for (const candidate of candidates) {
      if (await verifyPassword(candidate.password_hash!, password)) {
        user = candidate;
        break;
      }
    }
    if (candidates.length === 0) await this.#decoy.verify(password);
    if (!user) return { ok: false, reason: 'invalid' }; // the admitted attempt stays counted
    await throttle.succeeded(admission.ticket);
    return { ok: true, user };
  }

  /** Start a browser session for a user who just proved who they are (first sign-in emits an event). */
  async startSession(userId: string, method: SignInMethod, trx?: Kysely<Database>): Promise<{ id: string; expiresAt: Date; user: User }> {
    const work = async (t: Kysely<Database>) => {
      const now = new Date();
      const { user, first } = await recordSignIn(t, userId, now);
      const session = await this.#deps.sessions.create(user, method, t);
      if (first) {
        await emit(t, {
          type: 'user.first_login',
          organizationId: user.organization_id,
          data: { organizationId: user.organization_id, userId: user.id, at: now.toISOString() },
        });
      }
      return { ...session, user };
    };
    return trx ? work(trx) : this.#deps.db.transaction().execute(work);
  }

  /**
   * Store a new password and move the credential version on (inside `trx` when given);
   * `emailProved` when the user came through a link made for their address.
   */
  async setPassword(userId: string, password: string, trx?: Kysely<Database>, emailProved = false): Promise<User> {
    const passwordHash = await hashPassword(password);
    return storePasswordHash(trx ?? this.#deps.db, userId, passwordHash, emailProved);
  }

  /** Whether `password` is the user's current one (false when they have none). */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    const row = await findUser(this.#deps.db, userId);
    if (!row?.password_hash) return this.#decoy.verify(password);
    return verifyPassword(row.password_hash, password);
  }

  /** After a credential change (or before removal): revoke everything the user authorised. */
  async revokeGrants(userId: string, reason = 'credentials_changed'): Promise<void> {
    await this.#deps.authorizations.revokeAllOf(userId, reason);
  }
}
