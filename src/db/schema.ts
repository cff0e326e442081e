// Row types for Kysely. One interface per table; column names are the SQL names.
import type { ColumnType, Generated } from 'kysely';
import type { ConsoleTables } from './schema-console.ts';
import type { OemTables } from './schema-oem.ts';
import type { WebhookTables } from './schema-webhooks.ts';
import type { AccessTokenBinding, InteractiveTables } from './schema-interactive.ts';
import type { ConnectorTables } from './schema-connectors.ts';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface ClientsTable {
  id: string; // the client_id
  name: string;
  type: 'confidential' | 'public';
  secret_hash: string | null;
  grant_types: string[];
  scopes: string[];
  redirect_uris: string[];
  /** Where RP-Initiated Logout may send the browser back to (exact match; migration 014). */
  post_logout_redirect_uris: string[];
  token_format: 'jwt' | 'opaque';
  access_token_ttl: number | null; // null: the server default
  allow_implicit: boolean;
  tenant_scope: boolean;
  skip_consent: boolean;
  launch_url: string | null;
  /** May introspect tokens issued to other clients (a resource server, RFC 7662 §4). */
  introspect: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface SigningKeysTable {
  kid: string;
  alg: string;
  status: 'next' | 'current' | 'previous';
  public_jwk: Json<Record<string, unknown>>;
  private_key: string; // PKCS#8 PEM, sealed with AES-256-GCM
  created_at: Timestamp;
  activated_at: NullableTimestamp;
  expires_at: NullableTimestamp; // set when it becomes "previous": dropped from the JWKS after this
}

interface AccessTokensTable extends AccessTokenBinding {
  token_hash: string; // SHA-256 of an opaque token
  jti: string;
  client_id: string;
  subject: string;
  scope: string;
  expires_at: NullableTimestamp; // null: never expires
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

interface RevokedJtisTable {
  jti: string;
  expires_at: Timestamp;
}

interface AdminTokensTable {
  id: Generated<number>;
  token_hash: string;
  created_at: Timestamp;
}

interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  action: string;
  outcome: 'success' | 'failure';
  actor: string | null;
  client_id: string | null;
  ip: string | null;
  details: Json<Record<string, unknown>>;
}

interface OutboxEventsTable {
  id: string;
  organization_id: string | null;
  type: string;
  payload: Json<{ type: string; timestamp: string; data: Record<string, unknown> }>;
  created_at: Timestamp;
  dispatched_at: NullableTimestamp;
}

export interface Database extends OemTables, WebhookTables, InteractiveTables, ConnectorTables, ConsoleTables {
  clients: ClientsTable;
  signing_keys: SigningKeysTable;
  access_tokens: AccessTokensTable;
  revoked_jtis: RevokedJtisTable;
  admin_tokens: AdminTokensTable;
  audit_events: AuditEventsTable;
  outbox_events: OutboxEventsTable;
}
