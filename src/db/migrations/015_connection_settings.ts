// Connectors beyond OAuth 2.0 (API keys, Basic, two-step token exchanges): such a connector has
// no grant type and no client secret, and each connection carries its own settings (config, in
// the clear: sites, zones, tenants) and secrets (credentials, sealed). A connection whose
// credentials could not be checked with the vendor is `unverified`, with the reason. An OAuth
// connector may ask for config too (a tenant in its URLs): the authorization in flight keeps it.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table connectors alter column grant_type drop not null`.execute(db);
  await sql`alter table connectors alter column client_secret drop not null`.execute(db);
  await db.schema
    .alterTable('connections')
    .addColumn('config', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('credentials', 'text') // sealed JSON object; null when the connector declares none
    .addColumn('verification_error', 'text')
    .execute();
  await db.schema.alterTable('connector_states').addColumn('config', 'jsonb').execute();
  await sql`alter table connections drop constraint connections_status_check`.execute(db);
  await sql`alter table connections add constraint connections_status_check check (status in ('active', 'broken', 'unverified'))`.execute(db);
  await sql`drop index connections_expiring`.execute(db);
  await sql`create index connections_expiring on connections (expires_at) where status <> 'broken'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
