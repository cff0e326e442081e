// The operator console's tables (migration 016): operator accounts, their sessions (separate
// from organization users' browser sessions) and their one-time set-password links.
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

interface OperatorsTable {
  id: string;
  email: string;
  password_hash: string | null;
  credential_version: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Timestamp;
  last_login_at: NullableTimestamp;
}

interface OperatorSessionsTable {
  id_hash: string;
  /** Null for a session signed in with the admin token. */
  operator_id: string | null;
  credential_version: number | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

interface OperatorPasswordLinksTable {
  token_hash: string;
  operator_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ConsoleTables {
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  operator_password_links: OperatorPasswordLinksTable;
}
