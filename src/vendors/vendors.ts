// Vendors: a software company with an OAuth client for the OEM API and a Vendor API key (the
// first half of every MSPC_TOKEN). Both secrets are shown once and stored as SHA-256.
// The Vendor API key rotates with an overlap window: the old key keeps working until
// `expires_at`, so a vendor can roll it out without downtime.
import { sql, type Kysely, type Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import { signal, type Storage } from '../db/index.ts';
import { LoadingCache, touches } from '../db/cache.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';
import type { VendorApiKeysTable, VendorsTable } from '../db/schema-oem.ts';
import { likePrefix, type Clients } from '../clients/clients.ts';
import { errors } from '../errors.ts';

export type Vendor = Selectable<VendorsTable>;
export type VendorApiKey = Selectable<VendorApiKeysTable>;

/** The scopes a vendor's client may request: organizations (seed 000) and partner tokens (seed 001). */
const VENDOR_SCOPES = ['vendor_manage', 'oem:partner_token'];
const VENDOR_KEY_PREFIX = 'ghv_';

export interface VendorWithKeys {
  vendor: Vendor;
  keys: VendorApiKey[];
}

export class Vendors {
  #db: Kysely<Database>;
  #clients: Clients;
  #byClient = new LoadingCache<Vendor | undefined>();

  constructor(storage: Storage, clients: Clients) {
    this.#db = storage.db;
    this.#clients = clients;
    storage.onSignal((s) => {
      if (touches(s, 'vendor')) this.#byClient.clear();
      else if (s.topic === 'client' && s.id) this.#byClient.delete(s.id);
    });
  }

  /** Create the vendor, its OAuth client and its first Vendor API key in one transaction. */
  async create(name: string): Promise<VendorWithKeys & { clientSecret: string; apiKey: string }> {
    const trimmed = name.trim();
    if (!trimmed) throw errors.InvalidField('name', 'must not be empty');
    return this.#db.transaction().execute(async (trx) => {
      const { client, secret } = await this.#clients.create(
        {
          name: `vendor: ${trimmed}`,
          type: 'confidential',
          grant_types: ['client_credentials'],
          scopes: VENDOR_SCOPES,
        },
        trx,
      );
      const vendor = await trx.insertInto('vendors').values({ id: newId(), name: trimmed, client_id: client.id }).returningAll().executeTakeFirstOrThrow();
      const apiKey = VENDOR_KEY_PREFIX + randomToken(32);
      const key = await trx
        .insertInto('vendor_api_keys')
        .values({ key_hash: sha256(apiKey), vendor_id: vendor.id })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { vendor, keys: [key], clientSecret: secret!, apiKey };
    });
  }

  async list(): Promise<VendorWithKeys[]> {
    const vendors = await this.#db.selectFrom('vendors').selectAll().orderBy('created_at').orderBy('id').execute();
    const keys = await this.#liveKeys(vendors.map((v) => v.id));
    return vendors.map((vendor) => ({ vendor, keys: keys.filter((k) => k.vendor_id === vendor.id) }));
  }

  /** A page of vendors in name order after the vendor `after` (keyset); `search` is a vendor id or a name prefix. */
  async page(options: { after?: string; search?: string; limit: number }): Promise<VendorWithKeys[]> {
    const search = options.search?.trim();
    let query = this.#db
      .selectFrom('vendors')
      .selectAll()
      .orderBy(sql`lower(name)`)
      .orderBy('id')
      .limit(options.limit);
    if (search) query = query.where((eb) => eb.or([eb('id', '=', search.toLowerCase()), eb(sql<string>`lower(name)`, 'like', likePrefix(search))]));
    if (options.after) {
      query = query.where(sql<boolean>`(lower(name), id) > (select lower(v.name), v.id from vendors v where v.id = ${options.after})`);
    }
    const vendors = await query.execute();
    const keys = await this.#liveKeys(vendors.map((v) => v.id));
    return vendors.map((vendor) => ({ vendor, keys: keys.filter((k) => k.vendor_id === vendor.id) }));
  }

  /** The names of these vendors, by id, for a list that shows them beside their records (one indexed read). */
  async names(ids: string[]): Promise<Map<string, string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.#db.selectFrom('vendors').select(['id', 'name']).where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('vendors')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async get(id: string): Promise<VendorWithKeys> {
    const vendor = await this.#db.selectFrom('vendors').selectAll().where('id', '=', id).executeTakeFirst();
    if (!vendor) throw errors.NotFound('vendor', id);
    return { vendor, keys: await this.#liveKeys([id]) };
  }

  /** The vendor owning an OAuth client, for the OEM API. Cached; any vendor change clears it. */
  /**
   * The vendor owning an (authenticated) client, or undefined for the clients no vendor owns.
   * Both answers are cached: the token endpoint asks on every request. A client is made together
   * with its vendor, so "no vendor" cannot go stale; vendor changes clear the cache, and a
   * client's change or deletion drops its entry.
   */
  findByClient(clientId: string): Promise<Vendor | undefined> {
    return this.#byClient.get(clientId, () => this.#db.selectFrom('vendors').selectAll().where('client_id', '=', clientId).executeTakeFirst());
  }

  async setDisabled(id: string, disabled: boolean): Promise<VendorWithKeys> {
    await this.#changed(
      this.#db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('vendors')
          .set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() })
          .where('id', '=', id)
          .returning('id')
          .executeTakeFirst();
        if (!row) throw errors.NotFound('vendor', id);
        await signal(trx, 'vendor', id);
      }),
    );
    return this.get(id);
  }

  /**
   * Issue a new Vendor API key. Keys already live keep working for `overlapSeconds` more
   * (0 retires them at once); every instance drops its cached lookups when this commits.
   */
  async rotateKey(id: string, overlapSeconds: number): Promise<VendorWithKeys & { apiKey: string; previousExpiresAt: Date }> {
    const previousExpiresAt = new Date(Date.now() + overlapSeconds * 1000);
    const apiKey = VENDOR_KEY_PREFIX + randomToken(32);
    await this.#changed(
      this.#db.transaction().execute(async (trx) => {
        const vendor = await trx.selectFrom('vendors').select('id').where('id', '=', id).forUpdate().executeTakeFirst();
        if (!vendor) throw errors.NotFound('vendor', id);
        await trx
          .updateTable('vendor_api_keys')
          .set({ expires_at: previousExpiresAt })
          .where('vendor_id', '=', id)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', previousExpiresAt)]))
          .execute();
        await trx
          .insertInto('vendor_api_keys')
          .values({ key_hash: sha256(apiKey), vendor_id: id })
          .execute();
        await signal(trx, 'vendor', id);
      }),
    );
    return { ...(await this.get(id)), apiKey, previousExpiresAt };
  }

  async #liveKeys(vendorIds: string[]): Promise<VendorApiKey[]> {
    if (vendorIds.length === 0) return [];
    return this.#db
      .selectFrom('vendor_api_keys')
      .selectAll()
      .where('vendor_id', 'in', vendorIds)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', new Date())]))
      .orderBy('created_at')
      .execute();
  }

  /** Clear this instance's cache as soon as a change commits (other instances hear the signal). */
  async #changed<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } finally {
      this.#byClient.clear();
    }
  }
}
