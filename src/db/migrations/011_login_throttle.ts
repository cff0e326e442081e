// Sign-in throttling in three layers (account and address pair, address, account) replaces 004's
// per-key growing blocks. The counts are transient, so the old table is dropped rather than
// converted. Addresses that signed in to an account are remembered, hashed with it, so the
// account's delays spare its owner.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_throttle').execute();
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey()) // a hash of the layer and what it counts
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('window_ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('blocked_until', 'timestamptz')
    .execute();
  await db.schema
    .createTable('login_known_addresses')
    .addColumn('key', 'text', (c) => c.primaryKey()) // a hash of the account and the address
    .addColumn('last_success_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('login_known_addresses').execute();
  await db.schema.dropTable('login_throttle').execute();
  await db.schema
    .createTable('login_throttle')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('last_failure_at', 'timestamptz', (c) => c.notNull())
    .addColumn('blocked_until', 'timestamptz')
    .execute();
}
