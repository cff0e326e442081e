// One-time connect links: a URL an operator or the organization's vendor hands to someone at the
// organization, who opens it to authorise a connector without signing in to Gatehouse. Random,
// stored as SHA-256, single use, short lived.
import type { Kysely } from 'kysely';
import { SpendableTokens } from '../db/one-time-tokens.ts';
import type { Database } from '../db/schema.ts';

const CONNECT_LINK_TTL = 3600;

export function connectPath(connectorId: string): string {
  return `/connectors/${encodeURIComponent(connectorId)}/connect`;
}

export class ConnectLinks {
  #tokens: SpendableTokens<'connect_links'>;
  #publicUrl: string;

  constructor(db: Kysely<Database>, publicUrl: string) {
    this.#tokens = new SpendableTokens(db, { table: 'connect_links', hashColumn: 'token_hash', ttlSeconds: CONNECT_LINK_TTL, prefix: 'ghc_' });
    this.#publicUrl = publicUrl;
  }

  async create(
    connectorId: string,
    organizationId: string,
    createdBy: string,
    ttlSeconds = CONNECT_LINK_TTL,
  ): Promise<{ url: string; token: string; expiresAt: Date }> {
    const { token, expiresAt } = await this.#tokens.issue(
      { connector_id: connectorId, organization_id: organizationId, created_by: createdBy },
      { ttlSeconds },
    );
    return { url: `${this.#publicUrl}${connectPath(connectorId)}?link=${token}`, token, expiresAt };
  }

  /** The link's row while it is live for this connector, without spending it (a form shows first). */
  async peek(token: string, connectorId: string): Promise<{ organizationId: string; createdBy: string; expiresAt: Date } | undefined> {
    const row = await this.#tokens.find(token);
    if (!row || row.connector_id !== connectorId || this.#tokens.state(row) !== 'live') return undefined;
    return { organizationId: row.organization_id, createdBy: row.created_by, expiresAt: row.expires_at };
  }

  /** Spend a link for this connector; the row it was, or undefined. */
  async spend(token: string, connectorId: string): Promise<{ organizationId: string; createdBy: string; expiresAt: Date } | undefined> {
    const row = await this.#tokens.spend(token, { narrow: (query) => query.where('connector_id', '=', connectorId) });
    return row && { organizationId: row.organization_id, createdBy: row.created_by, expiresAt: row.expires_at };
  }

  /** Spend a link for this connector; the organization it is for, or undefined. */
  async consume(token: string, connectorId: string): Promise<string | undefined> {
    return (await this.spend(token, connectorId))?.organizationId;
  }

  purge(): Promise<void> {
    return this.#tokens.purge();
  }
}
