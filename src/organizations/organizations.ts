// Organizations (partners, i.e. MSPs) and their users. A vendor creates one through the OEM API
// together with its owner (seed 000) and receives the organization OEM token once: a permanent
// secret stored as SHA-256, revocable and rotatable by an operator.
import { sql, type Kysely, type Selectable } from 'kysely';
import { randomToken, sha256 } from '../crypto.ts';
import { signal, type Storage } from '../db/index.ts';
import { uniqueViolation } from '../db/errors.ts';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';
import type { OrganizationsTable, UsersTable } from '../db/schema-oem.ts';
import { errors } from '../errors.ts';
import { emit } from '../events/outbox.ts';
import { insertUser, loginLinkUser, organizationsWithEmail, userAddedData, usersByRole } from '../accounts/users.ts';
import { likePrefix } from '../clients/clients.ts';
import { normalizeEmail } from '../email.ts';

export type Organization = Selectable<OrganizationsTable>;
export type User = Selectable<UsersTable>;

const OEM_TOKEN_PREFIX = 'ghorg_';
/** The shape of record ids (src/db/ids.ts): a search that looks like one may name an organization or a vendor. */
const ID_SHAPE = /^[0-9a-f]{24}$/i;

/** Seed 000's `data`: the organization and its owner. */
export interface OrganizationData {
  name: string;
  email: string;
  firstName?: string;
  lastName?: string;
  vendorUserId?: string;
  vendorOrganizationId?: string;
}

// Seed 000: "409 Conflict - Organization with these details already exists". The constraint
// that fired says which detail.
const CONFLICTS: Record<string, string> = {
  organizations_vendor_org_id: 'Organization with these details already exists: this vendorOrganizationId is taken',
  organizations_vendor_owner_email: 'Organization with these details already exists: an organization already has an owner with this email',
};

/** One organization, read in `db` (a caller's transaction carries through). */
export function findOrganization(db: Kysely<Database>, id: string): Promise<Organization | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

export class Organizations {
  #db: Kysely<Database>;

  constructor(storage: Storage) {
    this.#db = storage.db;
  }

  /** Create the organization and its owner. Duplicates fail on unique constraints: race-safe. */
  async create(vendorId: string, data: OrganizationData): Promise<{ organization: Organization; owner: User; oemToken: string }> {
    const oemToken = OEM_TOKEN_PREFIX + randomToken(32);
    const email = normalizeEmail(data.email);
    try {
      return await this.#db.transaction().execute(async (trx) => {
        const organization = await trx
          .insertInto('organizations')
          .values({
            id: newId(),
            vendor_id: vendorId,
            name: data.name.trim(),
            vendor_organization_id: data.vendorOrganizationId ?? null,
            owner_email: email,
            oem_token_hash: sha256(oemToken),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const owner = await insertUser(trx, {
          organization_id: organization.id,
          email,
          first_name: data.firstName ?? null,
          last_name: data.lastName ?? null,
          vendor_user_id: data.vendorUserId ?? null,
          role: 'owner',
          email_verified: true, // the vendor (OEM API) or an operator vouches for it
        });
        await emit(trx, {
          type: 'organization.created',
          organizationId: organization.id,
          data: { organizationId: organization.id, vendorId, name: organization.name, vendorOrganizationId: organization.vendor_organization_id },
        });
        await emit(trx, { type: 'user.added', organizationId: organization.id, data: userAddedData(owner) });
        return { organization, owner, oemToken };
      });
    } catch (error) {
      const constraint = uniqueViolation(error);
      if (constraint !== undefined) {
        throw errors.Conflict(CONFLICTS[constraint] ?? 'Organization with these details already exists');
      }
      throw error;
    }
  }

  async find(id: string): Promise<Organization | undefined> {
    return findOrganization(this.#db, id);
  }

  async get(id: string): Promise<Organization> {
    const organization = await this.find(id);
    if (!organization) throw errors.NotFound('organization', id);
    return organization;
  }

  /** The organizations of `ids` that exist, in one query (a page naming many of them). */
  async findMany(ids: readonly string[]): Promise<Organization[]> {
    if (ids.length === 0) return [];
    return this.#db
      .selectFrom('organizations')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
  }

  /** The organization an OEM token belongs to; undefined for unknown or revoked tokens. */
  async findByOemToken(token: string): Promise<Organization | undefined> {
    return this.#db.selectFrom('organizations').selectAll().where('oem_token_hash', '=', sha256(token)).executeTakeFirst();
  }

  async list(filter: { vendorId?: string; limit?: number; after?: string } = {}): Promise<Organization[]> {
    let query = this.#db
      .selectFrom('organizations')
      .selectAll()
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.vendorId) query = query.where('vendor_id', '=', filter.vendorId);
    if (filter.after) query = query.where('id', '>', filter.after);
    return query.execute();
  }

  /**
   * The console's list: keyset pages by id, optionally narrowed by one search that matches a name
   * prefix (case-folded), an organization id, a vendor id, or the email of one of the users.
   * Each alternative is an indexable condition, so the database can OR their index scans.
   */
  async page(options: { search?: string; after?: string; limit: number }): Promise<Organization[]> {
    const search = options.search?.trim();
    let query = this.#db.selectFrom('organizations').selectAll().orderBy('id').limit(options.limit);
    if (options.after) query = query.where('id', '>', options.after);
    if (search) {
      const id = search.toLowerCase();
      query = query.where((eb) =>
        eb.or([
          eb(sql<string>`lower(name)`, 'like', likePrefix(search)),
          ...(ID_SHAPE.test(search) ? [eb('id', '=', id), eb('vendor_id', '=', id)] : []),
          // = any(array(...)) runs the users lookup once, before the scan, so its ids can join the
          // other alternatives' index scans; `in (subquery)` under an OR would test every row.
          ...(search.includes('@') ? [sql<boolean>`id = any(array(${organizationsWithEmail(this.#db, search)}))`] : []),
        ]),
      );
    }
    return query.execute();
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Every user of the organization: owners first, then admins, then members, oldest first. */
  async users(organizationId: string): Promise<User[]> {
    return usersByRole(this.#db, organizationId);
  }

  /** The user a login link is for: the one with `vendorUserId`, else the owner. */
  async findUser(organizationId: string, vendorUserId?: string): Promise<User | undefined> {
    return loginLinkUser(this.#db, organizationId, vendorUserId);
  }

  /** Replace the OEM token (the old one stops working at once) and return the new one. */
  async rotateOemToken(id: string): Promise<string> {
    const token = OEM_TOKEN_PREFIX + randomToken(32);
    await this.#setTokenHash(id, sha256(token));
    return token;
  }

  async revokeOemToken(id: string): Promise<void> {
    await this.#setTokenHash(id, null);
  }

  async #setTokenHash(id: string, hash: string | null): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('organizations')
        .set({ oem_token_hash: hash, updated_at: new Date() })
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw errors.NotFound('organization', id);
      await signal(trx, 'organization', id);
    });
  }
}
