// Idempotency-Key on the OEM API's creating calls: the first answer for a (vendor, key) pair,
// kept for a day so that a retry gets it again instead of creating twice. A row with no status
// is a claim: the request holding it is still running.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('vendor_id', 'text', (c) => c.notNull().references('vendors.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('route', 'text', (c) => c.notNull()) // e.g. "POST /api/oem-api/organization"
    .addColumn('fingerprint', 'text', (c) => c.notNull()) // SHA-256 of the route and the canonical body
    .addColumn('status', 'integer') // null while the first request runs
    .addColumn('response', 'text') // the response body, sealed: it may hold a secret shown once
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['vendor_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
