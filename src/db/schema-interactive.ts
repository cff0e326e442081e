// Row types for the interactive OAuth tables (migration 004_interactive).
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type GrantKind = 'authorization_code' | 'implicit';

export interface GrantsTable {
  id: string;
  client_id: string;
  user_id: string;
  organization_id: string;
  kind: GrantKind;
  scope: string;
  credential_version: number;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  /** When and how the user signed in for this grant (migration 014; null before OpenID Connect). */
  auth_time: NullableTimestamp;
  amr: string | null;
}

export interface AuthorizationCodesTable {
  code_hash: string;
  grant_id: string;
  client_id: string;
  user_id: string;
  organization_id: string;
  redirect_uri: string;
  redirect_uri_sent: boolean;
  scope: string;
  code_challenge: string | null; // S256 only
  credential_version: number;
  /** OpenID Connect (migration 014): the request's nonce, and the sign-in the code came from. */
  nonce: string | null;
  auth_time: NullableTimestamp;
  amr: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface RefreshTokensTable {
  token_hash: string;
  grant_id: string;
  client_id: string;
  scope: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

interface GrantJtisTable {
  jti: string;
  grant_id: string;
  expires_at: Timestamp;
}

interface ConsentsTable {
  user_id: string;
  client_id: string;
  scope: string;
  created_at: Timestamp;
}

/** Sign-in counts (migration 011): one row per pair, address or account, keyed by a hash. */
interface LoginThrottleTable {
  key: string;
  attempts: number;
  window_ends_at: Timestamp; // the count is forgotten from then on
  blocked_until: NullableTimestamp; // accounts only: no attempt before this
}

/** Addresses that signed in to an account (migration 011), keyed by a hash of both. */
interface LoginKnownAddressesTable {
  key: string;
  last_success_at: Timestamp;
}

interface PasswordLinksTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

/** Columns migration 004 adds to access_tokens. */
export interface AccessTokenBinding {
  user_id: string | null;
  organization_id: string | null;
  credential_version: number | null;
  grant_id: string | null;
}

export interface InteractiveTables {
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  grant_jtis: GrantJtisTable;
  consents: ConsentsTable;
  login_throttle: LoginThrottleTable;
  login_known_addresses: LoginKnownAddressesTable;
  password_links: PasswordLinksTable;
}
