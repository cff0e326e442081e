// One-time login links (seed 000's `redirectUrl`): random, hashed at rest, short-lived, and
// consumed atomically so that two requests racing on one link cannot both start a session.
import type { Kysely, Selectable } from 'kysely';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';
import type { LoginLinksTable } from '../db/schema-oem.ts';
import { emit } from '../events/outbox.ts';
import { LOGIN_LINK_PATH } from '../http/paths.ts';

type LoginLink = Selectable<LoginLinksTable>;

export type Consumed = { ok: true; link: LoginLink } | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'disabled' };

export interface LoginLinkOptions {
  publicUrl: string;
  ttlSeconds: number;
}

export class LoginLinks {
  #db: Kysely<Database>;
  #tokens: SpendableTokens<'login_links'>;
  #publicUrl: string;

  constructor(db: Kysely<Database>, options: LoginLinkOptions) {
    this.#db = db;
    this.#tokens = new SpendableTokens(db, { table: 'login_links', hashColumn: 'token_hash', ttlSeconds: options.ttlSeconds });
    this.#publicUrl = options.publicUrl;
  }

  /** Mint a link for `userId`; the URL is the only place the token ever appears. */
  async create(user: { id: string; organization_id: string }, db?: Kysely<Database>): Promise<{ url: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.#tokens.issue({ user_id: user.id, organization_id: user.organization_id }, { db });
    return { url: `${this.#publicUrl}${LOGIN_LINK_PATH}/${token}`, expiresAt };
  }

  /**
   * A link for a vendor or an operator to hand to the user, with its session.created event
   * (seed 000's webhook) written in the same transaction.
   */
  async createAnnounced(user: { id: string; organization_id: string }): Promise<{ url: string; expiresAt: Date }> {
    return this.#db.transaction().execute(async (trx) => {
      const minted = await this.create(user, trx);
      await emit(trx, {
        type: 'session.created',
        organizationId: user.organization_id,
        data: { organizationId: user.organization_id, userId: user.id, expiresAt: minted.expiresAt.toISOString() },
      });
      return minted;
    });
  }

  /**
   * Mark the link used if it is still usable, in one statement; otherwise say why not. A link
   * into an organization whose vendor has been disabled is not usable (and stays unused).
   */
  async consume(token: string, db?: Kysely<Database>): Promise<Consumed> {
    // The vendor check is part of the spending statement, so a link cannot be spent in the
    // moment its vendor is disabled.
    const result = await this.#tokens.redeem(token, {
      db,
      narrow: (query) =>
        query.where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('organizations')
                .innerJoin('vendors', 'vendors.id', 'organizations.vendor_id')
                .select('organizations.id')
                .whereRef('organizations.id', '=', 'login_links.organization_id')
                .where('vendors.disabled_at', 'is not', null),
            ),
          ),
        ),
    });
    if (result.ok) return { ok: true, link: result.row };
    return { ok: false, reason: result.reason === 'refused' ? 'disabled' : result.reason };
  }

  /** Drop links that can no longer be used (kept a day for the "already used" message). */
  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
