// Indexes for the console's lists at thousands of organizations and 100,000s of audit events
// (issue 15), each chosen from the plans of the queries the pages run (bench/cases/console.ts):
// - organizations by name prefix (case-folded) and by vendor in id order: the organization
//   search ORs a name prefix, an id, a vendor id and a user's email, and a vendor's page lists
//   its organizations a keyset page at a time;
// - connections by connector: a connector's page lists its connections, and the connector search
//   by vendor id looks for a connection of that vendor's organizations;
// - users by email: the search's "organizations with a user of this address";
// - audit events by (at, id): a time-range filter pages newest first along it, so a day's window
//   a month back reads one page of the index instead of sorting the whole window (or walking
//   every newer event). It replaces the index on (at) alone.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index organizations_name_search on organizations (lower(name) text_pattern_ops, id)`.execute(db);
  await db.schema.createIndex('organizations_vendor').on('organizations').columns(['vendor_id', 'id']).execute();
  await db.schema.createIndex('users_email').on('users').column('email').execute();
  await db.schema.createIndex('connections_connector').on('connections').columns(['connector_id', 'organization_id']).execute();
  await db.schema.createIndex('audit_events_at_id').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.dropIndex('audit_events_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
  await db.schema.dropIndex('audit_events_at_id').execute();
  await db.schema.dropIndex('connections_connector').execute();
  await db.schema.dropIndex('users_email').execute();
  await db.schema.dropIndex('organizations_vendor').execute();
  await db.schema.dropIndex('organizations_name_search').execute();
}
