// Webhook subscriptions, one delivery (message) per event and subscription, and the log of every
// attempt. The job queue itself lives in pg-boss's own schema, installed by pg-boss at start.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('event_types', sql`text[]`, (c) => c.notNull())
    .addColumn('auth_header', 'text')
    .addColumn('auth_header_value', 'text') // sealed with AES-256-GCM
    // Signing secrets are needed in the clear to sign, so they are sealed rather than hashed.
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('previous_secret', 'text') // still signs until previous_secret_expires_at
    .addColumn('previous_secret_expires_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('enabled', 'disabled')`))
    .addColumn('disabled_reason', 'text')
    .addColumn('failing_since', 'timestamptz') // first failure after the last success
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('webhook_subscriptions_org').on('webhook_subscriptions').columns(['organization_id', 'created_at']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
    .addColumn('event_id', 'text', (c) => c.notNull()) // the webhook-id header: the same on every attempt
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull()) // the exact body that is signed and sent
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'delivered', 'failed')`))
    // Each queued job carries the generation it was queued for; a job whose generation is stale
    // (a duplicate after a crash, or superseded by a resend) does nothing.
    .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('step', 'integer', (c) => c.notNull().defaultTo(0)) // position in the retry schedule
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz')
    .addColumn('last_attempt_at', 'timestamptz')
    .addColumn('last_status_code', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('webhook_deliveries_subscription_event', ['subscription_id', 'event_id'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_created').on('webhook_deliveries').column('created_at').execute();
  await sql`create index webhook_deliveries_failed on webhook_deliveries (subscription_id, created_at) where status = 'failed'`.execute(db);

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('attempted_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status_code', 'integer') // null: no HTTP response (refused, timed out, connection error)
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text') // truncated
    .addColumn('error', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('scheduled', 'manual')`))
    .execute();
  await db.schema.createIndex('webhook_attempts_subscription').on('webhook_attempts').columns(['subscription_id', 'id']).execute();
  await db.schema.createIndex('webhook_attempts_delivery').on('webhook_attempts').column('delivery_id').execute();
  await db.schema.createIndex('webhook_attempts_at').on('webhook_attempts').column('attempted_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Gatehouse migrations are forward-only');
}
