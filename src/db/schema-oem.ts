// Row types for the OEM and Vendor API tables (migration 002_oem, and 013 for idempotency keys).
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export type IntegrationKind = 'external' | 'custom_hosted';
export type IntegrationStatus = 'inactive' | 'pending' | 'active';
/** Owners and admins manage the organization; members use it (migration 012 added admin). */
export type UserRole = 'owner' | 'admin' | 'member';

export interface VendorsTable {
  id: string;
  name: string;
  client_id: string;
  disabled_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VendorApiKeysTable {
  key_hash: string;
  vendor_id: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp; // null: current; set: retiring at the end of a rotation's overlap
  last_used_at: NullableTimestamp;
}

export interface OrganizationsTable {
  id: string;
  vendor_id: string;
  name: string;
  vendor_organization_id: string | null;
  owner_email: string;
  oem_token_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface UsersTable {
  id: string;
  organization_id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  vendor_user_id: string | null;
  role: UserRole;
  password_hash: string | null;
  credential_version: ColumnType<number, number | undefined, number>;
  /** Vouched for by the vendor or an operator, or proved by using a link addressed to it (migration 014). */
  email_verified: ColumnType<boolean, boolean | undefined, boolean>;
  last_login_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LoginLinksTable {
  token_hash: string;
  user_id: string;
  organization_id: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

interface BrowserSessionsTable {
  id_hash: string;
  user_id: string;
  organization_id: string;
  credential_version: number;
  /** How the user signed in (RFC 8176 values, space-separated; migration 014). created_at is the auth_time. */
  amr: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface IntegrationsTable {
  id: string;
  organization_id: string;
  vendor_id: string;
  kind: IntegrationKind;
  status: IntegrationStatus;
  credentials: string | null;
  disabled_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PartnerApiKeysTable {
  key_hash: string;
  integration_id: string;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

interface VendorAccountsTable {
  id: string;
  integration_id: string;
  vendor_account_id: string;
  name: string;
  external_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface VendorServicesTable {
  id: string;
  integration_id: string;
  vendor_service_id: string;
  name: string;
  description: string | null;
  vendor_account_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Migration 013: the first answer to an Idempotency-Key, kept for a day. */
interface IdempotencyKeysTable {
  vendor_id: string;
  key: string;
  route: string;
  fingerprint: string;
  status: number | null; // null: the first request is still running
  response: string | null; // sealed response body
  created_at: Timestamp;
}

export interface OemTables {
  vendors: VendorsTable;
  vendor_api_keys: VendorApiKeysTable;
  organizations: OrganizationsTable;
  users: UsersTable;
  login_links: LoginLinksTable;
  browser_sessions: BrowserSessionsTable;
  integrations: IntegrationsTable;
  partner_api_keys: PartnerApiKeysTable;
  vendor_accounts: VendorAccountsTable;
  vendor_services: VendorServicesTable;
  idempotency_keys: IdempotencyKeysTable;
}
