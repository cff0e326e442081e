// OpenID Connect (issue 13). What an ID Token needs to say about a sign-in and a person:
// how the browser session was authenticated (`amr`; its created_at is the auth_time), the
// nonce, auth_time and amr carried from the authorization request through its code to the grant
// (a refreshed ID Token repeats the original auth_time, OIDC Core §12.2), whether a user's
// email address is verified, and the URIs a client may be sent back to after signing out
// (RP-Initiated Logout 1.0 §3.1).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('browser_sessions')
    .addColumn('amr', 'text', (c) => c.notNull().defaultTo('pwd'))
    .execute();
  await db.schema.alterTable('authorization_codes').addColumn('nonce', 'text').addColumn('auth_time', 'timestamptz').addColumn('amr', 'text').execute();
  await db.schema.alterTable('grants').addColumn('auth_time', 'timestamptz').addColumn('amr', 'text').execute();
  await db.schema
    .alterTable('users')
    .addColumn('email_verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // Users made before this migration: a vendor's users (they carry its id) and anyone who has
  // already set a password through a link addressed to them count as verified.
  await sql`update users set email_verified = true where vendor_user_id is not null or password_hash is not null`.execute(db);
  await db.schema
    .alterTable('clients')
    .addColumn('post_logout_redirect_uris', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('post_logout_redirect_uris').execute();
  await db.schema.alterTable('users').dropColumn('email_verified').execute();
  await db.schema.alterTable('grants').dropColumn('auth_time').dropColumn('amr').execute();
  await db.schema.alterTable('authorization_codes').dropColumn('nonce').dropColumn('auth_time').dropColumn('amr').execute();
  await db.schema.alterTable('browser_sessions').dropColumn('amr').execute();
}
