// One-time connect links: a URL an operator or the organization's vendor hands to someone at the
// organization, who opens it to authorise a connector without signing in to Gatehouse. Random,
// stored as SHA-256, single use, short lived.
import type { Kysely } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import type { Database } from '../db/schema.ts';

export const CONNECT_LINK_TTL = 3600;
export const CONNECT_LINK_MAX_TTL = 7 * 86400;

export function connectPath(connectorId: string): string {
  return `/connectors/${encodeURIComponent(connectorId)}/connect`;
}

export class ConnectLinks {
  #db: Kysely<Database>;
  #publicUrl: string;

  constructor(db: Kysely<Database>, publicUrl: string) {
    this.#db = db;
    this.#publicUrl = publicUrl;
  }

  async create(connectorId: string, organizationId: string, createdBy: string, ttlSeconds = CONNECT_LINK_TTL): Promise<{ url: string; expiresAt: Date }> {
    const token = `ghc_${randomToken(32)}`;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await this.#db.insertInto('connect_links').values({
      token_hash: sha256(token), connector_id: connectorId, organization_id: organizationId, created_by: createdBy, expires_at: expiresAt,
    }).execute();
    return { url: `${this.#publicUrl}${connectPath(connectorId)}?link=${token}`, expiresAt };
  }

  /** Spend a link for this connector; the organization it is for, or undefined. */
  async consume(token: string, connectorId: string): Promise<string | undefined> {
    const row = await this.#db.updateTable('connect_links').set({ used_at: new Date() })
      .where('token_hash', '=', sha256(token)).where('connector_id', '=', connectorId)
      .where('used_at', 'is', null).where('expires_at', '>', new Date())
      .returning('organization_id').executeTakeFirst();
    return row?.organization_id;
  }

  async purge(): Promise<void> {
    await this.#db.deleteFrom('connect_links').where('expires_at', '<', new Date(Date.now() - 86_400_000)).execute();
  }
}
