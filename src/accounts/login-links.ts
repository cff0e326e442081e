// One-time login links (seed 000's `redirectUrl`): random, hashed at rest, short-lived, and
// consumed atomically so that two requests racing on one link cannot both start a session.
import type { Kysely, Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { LoginLinksTable } from '../db/schema-oem.ts';
import { LOGIN_LINK_PATH } from '../http/paths.ts';

export type LoginLink = Selectable<LoginLinksTable>;

export type Consumed =
  | { ok: true; link: LoginLink }
  | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'disabled' };

export interface LoginLinkOptions {
  publicUrl: string;
  ttlSeconds: number;
}

export class LoginLinks {
  #db: Kysely<Database>;
  #options: LoginLinkOptions;

  constructor(db: Kysely<Database>, options: LoginLinkOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** Mint a link for `userId`; the URL is the only place the token ever appears. */
  async create(user: { id: string; organization_id: string }, db: Kysely<Database> = this.#db): Promise<{ url: string; expiresAt: Date }> {
    const token = randomToken(32);
    const expiresAt = new Date(Date.now() + this.#options.ttlSeconds * 1000);
    await db.insertInto('login_links').values({
      token_hash: sha256(token), user_id: user.id, organization_id: user.organization_id, expires_at: expiresAt,
    }).execute();
    return { url: `${this.#options.publicUrl}${LOGIN_LINK_PATH}/${token}`, expiresAt };
  }

  /**
   * Mark the link used if it is still usable, in one statement; otherwise say why not. A link
   * into an organization whose vendor has been disabled is not usable (and stays unused).
   */
  async consume(token: string, db: Kysely<Database> = this.#db): Promise<Consumed> {
    const hash = sha256(token);
    const now = new Date();
    const link = await db.updateTable('login_links').set({ used_at: now })
      .where('token_hash', '=', hash).where('used_at', 'is', null).where('expires_at', '>', now)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('organizations')
        .innerJoin('vendors', 'vendors.id', 'organizations.vendor_id')
        .select('organizations.id')
        .whereRef('organizations.id', '=', 'login_links.organization_id')
        .where('vendors.disabled_at', 'is not', null))))
      .returningAll().executeTakeFirst();
    if (link) return { ok: true, link };
    const existing = await db.selectFrom('login_links')
      .innerJoin('organizations', 'organizations.id', 'login_links.organization_id')
      .innerJoin('vendors', 'vendors.id', 'organizations.vendor_id')
      .select(['login_links.used_at', 'login_links.expires_at', 'vendors.disabled_at'])
      .where('login_links.token_hash', '=', hash).executeTakeFirst();
    if (!existing) return { ok: false, reason: 'unknown' };
    if (existing.used_at) return { ok: false, reason: 'used' };
    return { ok: false, reason: existing.expires_at <= now ? 'expired' : 'disabled' };
  }

  /** Drop links that can no longer be used (kept a day for the "already used" message). */
  async purge(): Promise<void> {
    await this.#db.deleteFrom('login_links').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  }
}
