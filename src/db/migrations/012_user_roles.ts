// Organizations have several people: besides owners and members, admins (who manage the
// organization like an owner, but cannot make or unmake owners). Migration 002 declared the
// role check inline, so PostgreSQL named it users_role_check.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users drop constraint users_role_check`.execute(db);
  await sql`alter table users add constraint users_role_check check (role in ('owner', 'admin', 'member'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update users set role = 'member' where role = 'admin'`.execute(db);
  await sql`alter table users drop constraint users_role_check`.execute(db);
  await sql`alter table users add constraint users_role_check check (role in ('owner', 'member'))`.execute(db);
}
