// Universal connectors (seed 004): connector definitions, each organization's connection through
// one, the authorization requests in flight (state and PKCE verifier), and one-time connect links.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connectors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('grant_type', 'text', (c) => c.notNull().check(sql`grant_type in ('authorization_code', 'client_credentials')`))
    // The definition as the operator wrote it (without the secret); defaults apply on read, so a
    // later change of tokenUrl also moves a refreshUrl that was left to default.
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('client_secret', 'text', (c) => c.notNull()) // sealed with AES-256-GCM
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('connections')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('restrict'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('active', 'broken')`))
    .addColumn('access_token', 'text') // sealed
    .addColumn('refresh_token', 'text') // sealed
    .addColumn('token_type', 'text')
    .addColumn('scope', 'text')
    .addColumn('expires_at', 'timestamptz') // null: the vendor gave no expiry
    // Fencing counter: bumped by every token write, and every write names the version it read,
    // so a refresh that lost its lease cannot overwrite a newer token.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('refresh_lease_until', 'timestamptz') // one refresh at a time across instances
    .addColumn('refresh_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('last_refresh_at', 'timestamptz')
    .addColumn('connected_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('connections_connector_organization', ['connector_id', 'organization_id'])
    .execute();
  await db.schema.createIndex('connections_organization').on('connections').column('organization_id').execute();
  await sql`create index connections_expiring on connections (expires_at) where status = 'active'`.execute(db);

  await db.schema
    .createTable('connector_states')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('user_id', 'text') // null when started from a connect link
    .addColumn('binding_hash', 'text', (c) => c.notNull()) // SHA-256 of the browser's binding cookie
    .addColumn('code_verifier', 'text') // sealed; null without PKCE
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('connector_states_expires').on('connector_states').column('expires_at').execute();

  await db.schema
    .createTable('connect_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('created_by', 'text', (c) => c.notNull()) // 'admin' or 'vendor:<id>'
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('connect_links_expires').on('connect_links').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
