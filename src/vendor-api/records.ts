// What a vendor keeps about the organization it reaches: accounts and services, each unique per
// integration by the vendor's own id, so a repeated POST updates instead of duplicating.
import { sql, type Kysely } from 'kysely';
import { newId } from '../db/ids.ts';
import type { Database } from '../db/schema.ts';

export interface AccountInput {
  vendorAccountId: string;
  name: string;
  externalId?: string | null;
}

export interface ServiceInput {
  vendorServiceId: string;
  name: string;
  description?: string | null;
  vendorAccountId?: string | null;
}

export interface Page {
  limit: number;
  after?: string;
}

const iso = (d: Date) => d.toISOString();

export function accountView(row: AccountRow) {
  return {
    id: row.id,
    vendorAccountId: row.vendor_account_id,
    name: row.name,
    externalId: row.external_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function serviceView(row: ServiceRow) {
  return {
    id: row.id,
    vendorServiceId: row.vendor_service_id,
    name: row.name,
    description: row.description,
    vendorAccountId: row.vendor_account_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

type AccountRow = { id: string; vendor_account_id: string; name: string; external_id: string | null; created_at: Date; updated_at: Date };
type ServiceRow = {
  id: string;
  vendor_service_id: string;
  name: string;
  description: string | null;
  vendor_account_id: string | null;
  created_at: Date;
  updated_at: Date;
};

// `xmax = 0` holds for a row this statement inserted, not for one it updated (PostgreSQL MVCC).
const inserted = sql<boolean>`(xmax = 0)`.as('inserted');

/** Insert or update by vendorAccountId; `created` tells which. Race-safe (one statement). */
export async function upsertAccount(db: Kysely<Database>, integrationId: string, input: AccountInput) {
  const row = await db
    .insertInto('vendor_accounts')
    .values({
      id: newId(),
      integration_id: integrationId,
      vendor_account_id: input.vendorAccountId,
      name: input.name,
      external_id: input.externalId ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['integration_id', 'vendor_account_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        external_id: eb.ref('excluded.external_id'),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .returning(inserted)
    .executeTakeFirstOrThrow();
  return { created: row.inserted, row };
}

export async function listAccounts(db: Kysely<Database>, integrationId: string, page: Page) {
  let query = db
    .selectFrom('vendor_accounts')
    .selectAll()
    .where('integration_id', '=', integrationId)
    .orderBy('vendor_account_id')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('vendor_account_id', '>', page.after);
  const rows = await query.execute();
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  return { items, next: more ? items[items.length - 1].vendor_account_id : null };
}

export async function upsertService(db: Kysely<Database>, integrationId: string, input: ServiceInput) {
  const row = await db
    .insertInto('vendor_services')
    .values({
      id: newId(),
      integration_id: integrationId,
      vendor_service_id: input.vendorServiceId,
      name: input.name,
      description: input.description ?? null,
      vendor_account_id: input.vendorAccountId ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['integration_id', 'vendor_service_id']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        description: eb.ref('excluded.description'),
        vendor_account_id: eb.ref('excluded.vendor_account_id'),
        updated_at: new Date(),
      })),
    )
    .returningAll()
    .returning(inserted)
    .executeTakeFirstOrThrow();
  return { created: row.inserted, row };
}

export async function listServices(db: Kysely<Database>, integrationId: string, page: Page) {
  let query = db
    .selectFrom('vendor_services')
    .selectAll()
    .where('integration_id', '=', integrationId)
    .orderBy('vendor_service_id')
    .limit(page.limit + 1);
  if (page.after !== undefined) query = query.where('vendor_service_id', '>', page.after);
  const rows = await query.execute();
  const more = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  return { items, next: more ? items[items.length - 1].vendor_service_id : null };
}
