// One-time links to set a password, minted by an operator through the admin API for users
// created by the OEM API (they have none). Hashed at rest, short-lived, consumed atomically.
// Opening the link only shows the form: mail scanners that fetch links do not spend it.
import type { Kysely } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import { PASSWORD_LINK_PATH } from '../http/paths.ts';

export type LinkState = { ok: true; userId: string } | { ok: false; reason: 'unknown' | 'used' | 'expired' };

export class PasswordLinks {
  #db: Kysely<Database>;
  #publicUrl: string;
  #ttlSeconds: number;

  constructor(db: Kysely<Database>, options: { publicUrl: string; ttlSeconds: number }) {
    this.#db = db;
    this.#publicUrl = options.publicUrl;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async create(userId: string): Promise<{ url: string; expiresAt: Date }> {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.#ttlSeconds * 1000);
    await this.#db.insertInto('password_links').values({ token_hash: sha256(token), user_id: userId, expires_at: expiresAt }).execute();
    return { url: `${this.#publicUrl}${PASSWORD_LINK_PATH}/${token}`, expiresAt };
  }

  /** Whether the link can still be used, without using it. */
  async check(token: string): Promise<LinkState> {
    const row = await this.#db.selectFrom('password_links').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
    return this.#state(row);
  }

  /** Spend the link inside `trx` (the one that sets the password). */
  async consume(trx: Kysely<Database>, token: string): Promise<LinkState> {
    const hash = sha256(token);
    const now = new Date();
    const row = await trx.updateTable('password_links').set({ used_at: now })
      .where('token_hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now)
      .returning('user_id').executeTakeFirst();
    if (row) return { ok: true, userId: row.user_id };
    return this.#state(await trx.selectFrom('password_links').selectAll().where('token_hash', '=', hash).executeTakeFirst());
  }

  #state(row: { user_id: string; used_at: Date | null; expires_at: Date } | undefined): LinkState {
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.used_at) return { ok: false, reason: 'used' };
    if (row.expires_at <= new Date()) return { ok: false, reason: 'expired' };
    return { ok: true, userId: row.user_id };
  }

  async purge(): Promise<void> {
    await this.#db.deleteFrom('password_links').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  }
}
