// Connector definitions: stored as written (the secret sealed apart), read with defaults applied.
// Reads are cached per instance; any change signals every instance to drop its copy.
import { sql, type Kysely } from 'kysely';
import { likePrefix } from '../clients/clients.ts';
import type { Sealer } from '../crypto.ts';
import { foreignKeyViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import { signal, type Storage } from '../db/index.ts';
import { LoadingCache, touches } from '../db/cache.ts';
import type { Database } from '../db/schema.ts';
import { AppError, errors } from '../errors.ts';
import { checkDefinition, merge, normalize, type ConnectorDefinition, type DefinitionInput } from './definition.ts';

export interface Connector {
  id: string;
  definition: ConnectorDefinition;
  clientSecret: string; // '' outside authMode oauth2
  createdAt: Date;
  updatedAt: Date;
}

type Row = { id: string; definition: Record<string, unknown>; client_secret: string | null; created_at: Date; updated_at: Date };

export class Connectors {
  #db: Kysely<Database>;
  #sealer: Sealer;
  #cache = new LoadingCache<Connector | undefined>({ keep: (c) => c !== undefined });
  #listeners: (() => void)[] = [];

  constructor(storage: Storage, sealer: Sealer) {
    this.#db = storage.db;
    this.#sealer = sealer;
    storage.onSignal((s) => {
      if (touches(s, 'connector')) this.#forget();
    });
  }

  /** Run `listener` whenever definitions may have changed (here at once, elsewhere by signal). */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  #forget(): void {
    this.#cache.clear();
    for (const listener of this.#listeners) listener();
  }

  #decode(row: Row): Connector {
    return {
      id: row.id,
      definition: normalize(row.definition as DefinitionInput),
      clientSecret: row.client_secret === null ? '' : this.#sealer.open(row.client_secret),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async create(input: DefinitionInput): Promise<Connector> {
    checkDefinition(input);
    const { clientSecret, ...definition } = input;
    const row = await this.#db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('connectors')
        .values({
          id: newId(),
          name: input.name!,
          grant_type: input.grantType ?? null,
          definition: JSON.stringify(definition),
          client_secret: clientSecret ? this.#sealer.seal(clientSecret) : null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await signal(trx, 'connector', inserted.id);
      return inserted;
    });
    return this.#decode(row);
  }

  async update(id: string, patch: DefinitionInput): Promise<Connector> {
    const row = await this.#db.transaction().execute(async (trx) => {
      const stored = await trx.selectFrom('connectors').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!stored) throw notFound(id);
      // The stored secret stands in for the one a patch leaves out (checkDefinition wants one).
      const secret = stored.client_secret === null ? {} : { clientSecret: 'unchanged' };
      const merged = merge({ ...(stored.definition as DefinitionInput), ...secret }, patch);
      checkDefinition(merged);
      const { clientSecret, ...definition } = merged;
      const updated = await trx
        .updateTable('connectors')
        .set({
          name: merged.name!,
          grant_type: merged.grantType ?? null,
          definition: JSON.stringify(definition),
          updated_at: new Date(),
          ...(patch.clientSecret !== undefined ? { client_secret: clientSecret ? this.#sealer.seal(clientSecret) : null } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await signal(trx, 'connector', id);
      return updated;
    });
    this.#forget();
    return this.#decode(row);
  }

  find(id: string): Promise<Connector | undefined> {
    return this.#cache.get(id, () =>
      this.#db
        .selectFrom('connectors')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()
        .then((row) => (row ? this.#decode(row) : undefined)),
    );
  }

  async get(id: string): Promise<Connector> {
    const connector = await this.find(id);
    if (!connector) throw notFound(id);
    return connector;
  }

  async list(): Promise<Connector[]> {
    const rows = await this.#db.selectFrom('connectors').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => this.#decode(r));
  }

  /**
   * One page of connectors in name order (keyset: the page after connector `after`). `search` is
   * a name prefix (case-folded), a connector id, or a vendor id: the connectors its organizations
   * are connected through.
   */
  async page(options: { after?: string; search?: string; limit: number }): Promise<Connector[]> {
    const search = options.search?.trim().toLowerCase();
    let query = this.#db
      .selectFrom('connectors')
      .selectAll()
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .limit(options.limit);
    if (search) {
      query = query.where((eb) =>
        eb.or([
          eb('id', '=', search),
          eb(sql<string>`lower(name)`, 'like', likePrefix(search)),
          eb.exists(
            eb
              .selectFrom('connections')
              .innerJoin('organizations', 'organizations.id', 'connections.organization_id')
              .select(sql`1`.as('one'))
              .whereRef('connections.connector_id', '=', 'connectors.id')
              .where('organizations.vendor_id', '=', search),
          ),
        ]),
      );
    }
    if (options.after) {
      query = query.where(sql<boolean>`(lower(name), id) > (select lower(c.name), c.id from connectors c where c.id = ${options.after})`);
    }
    return (await query.execute()).map((r) => this.#decode(r));
  }

  /** Refused (409) while connections use the connector: disconnect them first. */
  async remove(id: string): Promise<void> {
    try {
      await this.#db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('connectors').where('id', '=', id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw notFound(id);
        await signal(trx, 'connector', id);
      });
      this.#forget();
    } catch (error) {
      if (foreignKeyViolation(error)) throw errors.Conflict(`connector "${id}" still has connections: disconnect them first`);
      throw error;
    }
  }
}

function notFound(id: string): AppError {
  return errors.NotFound('connector', id);
}
