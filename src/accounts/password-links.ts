// One-time links to set a password, minted by an operator through the admin API for users
// created by the OEM API (they have none). Hashed at rest, short-lived, consumed atomically.
// Opening the link only shows the form: mail scanners that fetch links do not spend it.
import type { Kysely } from 'kysely';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';
import { PASSWORD_LINK_PATH } from '../http/paths.ts';

export type LinkState = { ok: true; userId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export class PasswordLinks {
  #tokens: SpendableTokens<'password_links'>;
  #publicUrl: string;

  constructor(db: Kysely<Database>, options: { publicUrl: string; ttlSeconds: number }) {
    this.#tokens = new SpendableTokens(db, { table: 'password_links', hashColumn: 'token_hash', ttlSeconds: options.ttlSeconds });
    this.#publicUrl = options.publicUrl;
  }

  async create(userId: string): Promise<{ url: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.#tokens.issue({ user_id: userId });
    return { url: `${this.#publicUrl}${PASSWORD_LINK_PATH}/${token}`, expiresAt };
  }

  /** Whether the link can still be used, without using it. */
  async check(token: string): Promise<LinkState> {
    const row = await this.#tokens.find(token);
    if (!row) return { ok: false, reason: 'unknown' };
    const state = this.#tokens.state(row);
    return state === 'live' ? { ok: true, userId: row.user_id } : { ok: false, reason: state };
  }

  /** Spend the link inside `trx` (the one that sets the password). */
  async consume(trx: Kysely<Database>, token: string): Promise<LinkState> {
    const result = await this.#tokens.redeem(token, { db: trx });
    if (result.ok) return { ok: true, userId: result.row.user_id };
    // Nothing narrows the spend, so a live link is always spent: `refused` cannot happen.
    return { ok: false, reason: result.reason === 'refused' ? 'used' : result.reason };
  }

  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
