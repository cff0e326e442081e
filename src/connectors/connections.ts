// Connections: one organization's authorised link through a connector. Tokens are sealed at rest.
// Connecting again (the same connector and organization) replaces the tokens and heals a broken
// connection. Every token write bumps `version`, the fencing counter the refresher relies on.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Sealer } from '../crypto.ts';
import { newId } from '../db/ids.ts';
import { signal } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import type { ConnectionsTable } from '../db/schema-connectors.ts';
import { AppError, errors } from '../errors.ts';
import { emit } from '../events/outbox.ts';
import type { Connector } from './connectors.ts';
import type { Settings } from './settings.ts';
import type { TokenSet } from './token-response.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;
export type ConnectionStatus = ConnectionRow['status'];

/** Why a connection's credentials could not be checked with the vendor (not a refusal). */
export interface Unverified {
  error: string;
  vendorStatus: number | null;
}

export interface ConnectionFilter {
  organizationId?: string;
  connectorId?: string;
  status?: ConnectionStatus;
  /** Keyset paging: the connections after this one (in creation order). */
  after?: string;
}

export class Connections {
  #db: Kysely<Database>;
  #sealer: Sealer;
  #changed: (id: string) => void;

  /** `changed` runs after a committed change, before other instances hear of it by signal. */
  constructor(db: Kysely<Database>, sealer: Sealer, changed: (id: string) => void = () => {}) {
    this.#db = db;
    this.#sealer = sealer;
    this.#changed = changed;
  }
  /** The active connections whose access token expires within `windowMs` (the refresh sweep). */
  async expiringWithin(windowMs: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('connections')
      .select(['id'])
      .where('status', '<>', 'broken')
      .where('expires_at', '<', new Date(Date.now() + windowMs))
      .execute();
    return rows.map((r) => r.id);
  }

  /** How many connections the organization has (the partner App Info shows it). */
  async count(organizationId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('organization_id', '=', organizationId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** How many connections have `status`, across every organization (the console's overview). */
  async countByStatus(status: 'active' | 'broken'): Promise<number> {
    const row = await this.#db
      .selectFrom('connections')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('status', '=', status)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  get sealer(): Sealer {
    return this.#sealer;
  }

  /**
   * Store a connection for (connector, organization): a new one or a reconnect. `tokens` are
   * freshly granted ones (none for API keys and Basic); `settings` its config and credentials
   * (a reconnect without them keeps those it had); `unverified` why its credentials could not
   * be checked with the vendor, which emits connection.verification_failed with the change.
   */
  async save(
    connector: Connector,
    organizationId: string,
    tokens: TokenSet | undefined,
    options: { settings?: Settings; unverified?: Unverified } = {},
  ): Promise<{ connection: ConnectionRow; created: boolean }> {
    const seal = (v: string | undefined) => (v === undefined ? null : this.#sealer.seal(v));
    const { settings, unverified } = options;
    const now = new Date();
    const saved = await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('connections')
        .values({
          id: newId(),
          connector_id: connector.id,
          organization_id: organizationId,
          status: unverified ? 'unverified' : 'active',
          access_token: seal(tokens?.accessToken),
          refresh_token: seal(tokens?.refreshToken),
          token_type: tokens?.tokenType ?? null,
          scope: tokens?.scope ?? null,
          expires_at: tokens?.expiresAt ?? null,
          last_refresh_at: tokens ? now : null,
          config: JSON.stringify({ ...settings?.config, ...tokens?.config }),
          credentials: this.#sealCredentials(settings),
          verification_error: unverified?.error ?? null,
          connected_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['connector_id', 'organization_id']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            access_token: eb.ref('excluded.access_token'),
            // A reconnect without a new refresh token keeps the one already held.
            refresh_token: sql<string | null>`coalesce(excluded.refresh_token, connections.refresh_token)`,
            token_type: eb.ref('excluded.token_type'),
            scope: eb.ref('excluded.scope'),
            expires_at: eb.ref('excluded.expires_at'),
            config: settings ? eb.ref('excluded.config') : sql<string>`connections.config || excluded.config`,
            ...(settings ? { credentials: eb.ref('excluded.credentials') } : {}),
            verification_error: eb.ref('excluded.verification_error'),
            version: sql<number>`connections.version + 1`,
            refresh_lease_until: null,
            refresh_failures: 0,
            last_error: null,
            last_refresh_at: eb.ref('excluded.last_refresh_at'),
            connected_at: now,
            updated_at: now,
          })),
        )
        .returningAll()
        .returning(sql<boolean>`(xmax = 0)`.as('inserted'))
        .executeTakeFirstOrThrow();
      const { inserted, ...connection } = row;
      await emit(trx, {
        type: 'connection.created',
        organizationId,
        data: { organizationId, connectionId: connection.id, connectorId: connector.id, reconnected: !inserted },
      });
      if (unverified) await this.#unverified(trx, connection, unverified);
      await signal(trx, 'connection', connection.id);
      return { connection, created: Boolean(inserted) };
    });
    this.#changed(saved.connection.id);
    return saved;
  }

  /**
   * Replace a connection's config or credentials (checked and verified by the caller), with the
   * token they yield when the connector exchanges them for one. Emits connection.updated.
   */
  async update(
    row: ConnectionRow,
    settings: Settings,
    changed: ('config' | 'credentials')[],
    tokens: TokenSet | undefined,
    unverified: Unverified | undefined,
  ): Promise<ConnectionRow> {
    const seal = (v: string | undefined) => (v === undefined ? null : this.#sealer.seal(v));
    const now = new Date();
    const updated = await this.#db.transaction().execute(async (trx) => {
      const connection = await trx
        .updateTable('connections')
        .set({
          config: JSON.stringify({ ...settings.config, ...tokens?.config }),
          credentials: this.#sealCredentials(settings),
          status: unverified ? 'unverified' : 'active',
          verification_error: unverified?.error ?? null,
          // New credentials void the token the old ones were exchanged for.
          ...(tokens || changed.includes('credentials')
            ? {
                access_token: seal(tokens?.accessToken),
                refresh_token: seal(tokens?.refreshToken),
                expires_at: tokens?.expiresAt ?? null,
                last_refresh_at: tokens ? now : row.last_refresh_at,
              }
            : {}),
          version: sql<number>`version + 1`,
          refresh_lease_until: null,
          refresh_failures: 0,
          last_error: null,
          updated_at: now,
        })
        .where('id', '=', row.id)
        .returningAll()
        .executeTakeFirst();
      if (!connection) throw notFound(row.id);
      await emit(trx, {
        type: 'connection.updated',
        organizationId: connection.organization_id,
        data: { organizationId: connection.organization_id, connectionId: connection.id, connectorId: connection.connector_id, changed },
      });
      if (unverified) await this.#unverified(trx, connection, unverified);
      await signal(trx, 'connection', row.id);
      return connection;
    });
    this.#changed(row.id);
    return updated;
  }

  #sealCredentials(settings: Settings | undefined): string | null {
    if (!settings || Object.keys(settings.credentials).length === 0) return null;
    return this.#sealer.seal(JSON.stringify(settings.credentials));
  }

  #unverified(trx: Kysely<Database>, connection: ConnectionRow, unverified: Unverified): Promise<string> {
    return emit(trx, {
      type: 'connection.verification_failed',
      organizationId: connection.organization_id,
      data: {
        organizationId: connection.organization_id,
        connectionId: connection.id,
        connectorId: connection.connector_id,
        error: unverified.error,
        vendorStatus: unverified.vendorStatus,
      },
    });
  }

  async find(id: string): Promise<ConnectionRow | undefined> {
    return this.#db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async get(id: string): Promise<ConnectionRow> {
    const row = await this.find(id);
    if (!row) throw notFound(id);
    return row;
  }

  async list(filter: ConnectionFilter = {}, limit = 1000): Promise<ConnectionRow[]> {
    let query = this.#db.selectFrom('connections').selectAll().orderBy('created_at').orderBy('id').limit(limit);
    if (filter.organizationId) query = query.where('organization_id', '=', filter.organizationId);
    if (filter.connectorId) query = query.where('connector_id', '=', filter.connectorId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.after) {
      query = query.where(sql<boolean>`(created_at, id) > (select c.created_at, c.id from connections c where c.id = ${filter.after})`);
    }
    return query.execute();
  }

  /** Delete the row and emit connection.deleted; returns what was deleted (for revocation). */
  async remove(id: string): Promise<ConnectionRow> {
    const removed = await this.#db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('connections').where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw notFound(id);
      await emit(trx, {
        type: 'connection.deleted',
        organizationId: row.organization_id,
        data: { organizationId: row.organization_id, connectionId: row.id, connectorId: row.connector_id },
      });
      await signal(trx, 'connection', id);
      return row;
    });
    this.#changed(id);
    return removed;
  }

  /** The connection's settings, its credentials opened. */
  settings(row: Pick<ConnectionRow, 'config' | 'credentials'>): Settings {
    const credentials = row.credentials === null ? {} : (JSON.parse(this.#sealer.open(row.credentials)) as Record<string, string>);
    return { config: { ...row.config }, credentials };
  }

  open(sealed: string | null): string | undefined {
    return sealed === null ? undefined : this.#sealer.open(sealed);
  }
}

export function notFound(id: string): AppError {
  return errors.NotFound('connection', id);
}
