// Operator accounts: the people who run Gatehouse from the console. Apart from organizations'
// users (an operator belongs to no organization). Created with a one-time set-password link
// (hashed at rest, single use) by the admin API or by another operator; passwords are argon2id
// (passwords.ts); sign-in is throttled by the same three layers as /login, under keys of their
// own so that an operator's email never shares a count with a user's.
import type { Kysely, Selectable } from 'kysely';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import { newId } from '../db/ids.ts';
import { uniqueViolation } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';
import type { ConsoleTables } from '../db/schema-console.ts';
import { errors } from '../errors.ts';
import { CONSOLE_PASSWORD_PATH } from '../http/paths.ts';
import { DecoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { LoginThrottle, ThrottleLayer } from './throttle.ts';

export type Operator = Selectable<ConsoleTables['operators']>;

export type OperatorSignIn =
  | { ok: true; operator: Operator }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; layer: ThrottleLayer; retryAfter: number };

export type TokenSignIn = { ok: true; succeeded: () => Promise<void> } | { ok: false; layer: ThrottleLayer; retryAfter: number };

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The throttle key of a console sign-in: never the same as an organization user's. */
const throttleAccount = (email: string) => `console operator\n${email}`;
const ADMIN_TOKEN_ACCOUNT = 'console admin token';

export class Operators {
  #db: Kysely<Database>;
  #throttle: LoginThrottle;
  #links: SpendableTokens<'operator_password_links'>;
  #publicUrl: string;
  #decoy = new DecoyHash();

  constructor(db: Kysely<Database>, throttle: LoginThrottle, options: { publicUrl: string; linkTtlSeconds: number }) {
    this.#db = db;
    this.#throttle = throttle;
    this.#links = new SpendableTokens(db, { table: 'operator_password_links', hashColumn: 'token_hash', ttlSeconds: options.linkTtlSeconds });
    this.#publicUrl = options.publicUrl;
  }

  /** A new operator without a password, and the one-time link to set it. `createdBy` is the actor. */
  async create(email: string, createdBy: string): Promise<{ operator: Operator; link: { url: string; expiresAt: Date } }> {
    const normalized = email.trim().toLowerCase();
    if (!EMAIL.test(normalized) || normalized.length > 320) throw errors.InvalidField('email', 'must be an email address');
    return this.#db.transaction().execute(async (trx) => {
      const operator = await trx
        .insertInto('operators')
        .values({ id: newId(), email: normalized, created_by: createdBy })
        .returningAll()
        .executeTakeFirstOrThrow()
        .catch((error) => {
          if (uniqueViolation(error)) throw errors.Conflict(`an operator with email "${normalized}" already exists`);
          throw error;
        });
      return { operator, link: await this.#link(operator.id, trx) };
    });
  }

  /** A fresh set-password link for an operator (a forgotten password, an expired first link). */
  async passwordLink(id: string): Promise<{ operator: Operator; link: { url: string; expiresAt: Date } }> {
    const operator = await this.get(id);
    return { operator, link: await this.#link(id) };
  }

  async #link(operatorId: string, db?: Kysely<Database>): Promise<{ url: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.#links.issue({ operator_id: operatorId }, { db });
    return { url: `${this.#publicUrl}${CONSOLE_PASSWORD_PATH}/${token}`, expiresAt };
  }

  async get(id: string): Promise<Operator> {
    const row = await this.#db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw errors.NotFound('operator', id);
    return row;
  }

  /** Operators in email order, a page after `after` (an email): keyset, through the unique index. */
  async list(page: { after?: string; limit?: number } = {}): Promise<Operator[]> {
    let query = this.#db
      .selectFrom('operators')
      .selectAll()
      .orderBy('email')
      .limit(Math.min(page.limit ?? 50, 500));
    if (page.after) query = query.where('email', '>', page.after);
    return query.execute();
  }

  /** Whether a set-password link can still be used (opening it does not spend it). */
  async checkLink(token: string): Promise<{ ok: true; operator: Operator } | { ok: false; reason: 'unknown' | 'used' | 'expired' }> {
    const row = await this.#links.find(token);
    if (!row) return { ok: false, reason: 'unknown' };
    const state = this.#links.state(row);
    if (state !== 'live') return { ok: false, reason: state };
    return { ok: true, operator: await this.get(row.operator_id) };
  }

  /**
   * Spend the link and store the password in one transaction; the credential version moves on,
   * which ends the operator's other console sessions. Throws a field error for a weak password.
   */
  async setPasswordWithLink(token: string, password: string): Promise<Operator> {
    const checked = await this.checkLink(token);
    if (!checked.ok) throw checked.reason === 'unknown' ? errors.InvalidLink('this link is not valid') : errors.LinkUsed(`this link was ${checked.reason}`);
    const problem = passwordProblem(password, checked.operator.email);
    if (problem) throw errors.InvalidField('password', problem);
    const passwordHash = await hashPassword(password);
    return this.#db.transaction().execute(async (trx) => {
      const spent = await this.#links.redeem(token, { db: trx });
      if (!spent.ok) throw errors.LinkUsed('this link was used or has expired');
      return trx
        .updateTable('operators')
        .set((eb) => ({ password_hash: passwordHash, credential_version: eb('credential_version', '+', 1) }))
        .where('id', '=', spent.row.operator_id)
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  }

  /** Email and password, throttled before any hashing; one answer whether or not the account exists. */
  async authenticate(email: string, password: string, ip: string): Promise<OperatorSignIn> {
    const normalized = email.trim().toLowerCase();
    const admission = await this.#throttle.admit(throttleAccount(normalized), ip);
    if (!admission.admitted) return { ok: false, reason: 'throttled', layer: admission.layer, retryAfter: admission.retryAfter };
    const operator = await this.#db.selectFrom('operators').selectAll().where('email', '=', normalized).executeTakeFirst();
    const ok = operator?.password_hash ? await verifyPassword(operator.password_hash, password) : await this.#decoy.verify(password);
    if (!operator || !ok) return { ok: false, reason: 'invalid' };
    await this.#throttle.succeeded(admission.ticket);
    const signedIn = await this.#db
      .updateTable('operators')
      .set({ last_login_at: new Date() })
      .where('id', '=', operator.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ok: true, operator: signedIn };
  }

  /**
   * Admit a sign-in with the admin token through the same throttle (one shared account key: the
   * token is one credential); the caller checks the token, then calls `succeeded` if it matched.
   */
  async admitToken(ip: string): Promise<TokenSignIn> {
    const admission = await this.#throttle.admit(ADMIN_TOKEN_ACCOUNT, ip);
    if (!admission.admitted) return { ok: false, layer: admission.layer, retryAfter: admission.retryAfter };
    return { ok: true, succeeded: () => this.#throttle.succeeded(admission.ticket) };
  }

  purge(): Promise<void> {
    return this.#links.purge();
  }
}
