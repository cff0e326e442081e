// Row types for the connector tables (migrations 005_connectors, 015_connection_settings).
import type { ColumnType } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type Counter = ColumnType<number, number | undefined, number>;

type ConnectionStatus = 'active' | 'broken' | 'unverified';
type Config = Record<string, string | number | boolean>;

interface ConnectorsTable {
  id: string;
  name: string;
  grant_type: 'authorization_code' | 'client_credentials' | null; // null outside authMode oauth2
  definition: Json<Record<string, unknown>>;
  client_secret: string | null; // sealed; null outside authMode oauth2
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ConnectionsTable {
  id: string;
  connector_id: string;
  organization_id: string;
  status: ConnectionStatus;
  access_token: string | null; // sealed
  refresh_token: string | null; // sealed
  token_type: string | null;
  scope: string | null;
  expires_at: NullableTimestamp;
  version: Counter;
  refresh_lease_until: NullableTimestamp;
  refresh_failures: Counter;
  last_error: string | null;
  last_refresh_at: NullableTimestamp;
  config: ColumnType<Config, string | undefined, string>;
  credentials: string | null; // sealed JSON object
  verification_error: string | null;
  connected_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface ConnectorStatesTable {
  state_hash: string;
  connector_id: string;
  organization_id: string;
  user_id: string | null;
  binding_hash: string;
  code_verifier: string | null; // sealed
  config: ColumnType<Config | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

interface ConnectLinksTable {
  token_hash: string;
  connector_id: string;
  organization_id: string;
  created_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface ConnectorTables {
  connectors: ConnectorsTable;
  connections: ConnectionsTable;
  connector_states: ConnectorStatesTable;
  connect_links: ConnectLinksTable;
}
