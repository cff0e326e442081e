// One set of migrations for both databases. Kysely's migrator takes a Postgres advisory lock,
// so several instances starting at once apply each migration exactly once.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { Migrator, type Migration } from 'kysely/migration';
import * as foundation from './migrations/001_foundation.ts';
import * as oem from './migrations/002_oem.ts';
import * as events from './migrations/003_events.ts';
import * as interactive from './migrations/004_interactive.ts';
import * as connectors from './migrations/005_connectors.ts';
import * as webhooks from './migrations/006_webhooks.ts';
import * as accessRules from './migrations/010_access_rules.ts';
import * as loginThrottle from './migrations/011_login_throttle.ts';
import * as userRoles from './migrations/012_user_roles.ts';
import * as idempotencyKeys from './migrations/013_idempotency_keys.ts';
import * as openid from './migrations/014_openid.ts';
import * as connectionSettings from './migrations/015_connection_settings.ts';
import * as operators from './migrations/016_operators.ts';
import * as consoleIndexes from './migrations/017_console_indexes.ts';

const migrations: Record<string, Migration> = {
  '001_foundation': foundation,
  '002_oem': oem,
  '003_events': events,
  '004_interactive': interactive,
  '005_connectors': connectors,
  '006_webhooks': webhooks,
  '010_access_rules': accessRules,
  '011_login_throttle': loginThrottle,
  '012_user_roles': userRoles,
  '013_idempotency_keys': idempotencyKeys,
  '014_openid': openid,
  '015_connection_settings': connectionSettings,
  '016_operators': operators,
  '017_console_indexes': consoleIndexes,
};

export async function migrate(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'gatehouse_migrations',
    migrationLockTableName: 'gatehouse_migrations_lock',
    // Surfaces are developed side by side; a database that already has a later migration
    // must still accept an earlier-numbered one that arrives afterwards.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
