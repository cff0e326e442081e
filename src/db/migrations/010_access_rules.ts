// Who may look at what: a client's permission to introspect tokens issued to others
// (RFC 7662 §4: resource servers are named explicitly, everyone else sees only its own).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('clients')
    .addColumn('introspect', 'boolean', (c) => c.notNull().defaultTo(sql`false`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('introspect').execute();
}
