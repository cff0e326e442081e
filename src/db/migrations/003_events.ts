// The transactional outbox (see src/events/outbox.ts).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('dispatched_at', 'timestamptz') // set once fanned out to the subscriptions
    .execute();
  await sql`create index outbox_events_pending on outbox_events (created_at) where dispatched_at is null`.execute(db);
  await db.schema.createIndex('outbox_events_org').on('outbox_events').columns(['organization_id', 'created_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
