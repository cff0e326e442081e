// The operator console (issue 15): operator accounts, their sessions and set-password links,
// and the indexes the console's keyset-paged lists read through (audit events by actor and by
// client, newest first; clients and vendors by name for search).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('operators')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('credential_version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_login_at', 'timestamptz')
    .execute();
  await db.schema
    .createTable('operator_sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.references('operators.id').onDelete('cascade'))
    .addColumn('credential_version', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('operator_sessions_expires').on('operator_sessions').column('expires_at').execute();
  await db.schema
    .createTable('operator_password_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('operator_id', 'text', (c) => c.notNull().references('operators.id').onDelete('cascade'))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The audit page filters by actor or client and pages by id, newest first.
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor', 'id']).execute();
  await db.schema.createIndex('audit_events_client').on('audit_events').columns(['client_id', 'id']).execute();
  await db.schema.createIndex('audit_events_outcome').on('audit_events').columns(['outcome', 'id']).execute();
  await db.schema.createIndex('audit_events_action_id').on('audit_events').columns(['action', 'id']).execute();
  // The overview's attention lists: only the few rows that need it are indexed.
  await sql`create index webhook_subscriptions_attention on webhook_subscriptions (failing_since, id) where status = 'disabled' or failing_since is not null`.execute(
    db,
  );
  await sql`create index connections_broken on connections (created_at, id) where status = 'broken'`.execute(db);
  // Search by name: a case-folded prefix, read through the index in id order within it.
  await sql`create index clients_name_search on clients (lower(name) text_pattern_ops, id)`.execute(db);
  await sql`create index vendors_name_search on vendors (lower(name) text_pattern_ops, id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('connections_broken').execute();
  await db.schema.dropIndex('webhook_subscriptions_attention').execute();
  await db.schema.dropIndex('vendors_name_search').execute();
  await db.schema.dropIndex('clients_name_search').execute();
  await db.schema.dropIndex('audit_events_action_id').execute();
  await db.schema.dropIndex('audit_events_outcome').execute();
  await db.schema.dropIndex('audit_events_client').execute();
  await db.schema.dropIndex('audit_events_actor').execute();
  await db.schema.dropTable('operator_password_links').execute();
  await db.schema.dropTable('operator_sessions').execute();
  await db.schema.dropTable('operators').execute();
}
