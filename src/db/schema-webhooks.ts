// Row types for the webhook tables (migration 006_webhooks).
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

type SubscriptionStatus = 'enabled' | 'disabled';
type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookSubscriptionsTable {
  id: string;
  organization_id: string;
  url: string;
  event_types: string[];
  auth_header: string | null;
  auth_header_value: string | null; // sealed
  secret: string; // sealed
  previous_secret: string | null; // sealed
  previous_secret_expires_at: NullableTimestamp;
  status: SubscriptionStatus;
  disabled_reason: string | null;
  failing_since: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: string;
  status: DeliveryStatus;
  generation: ColumnType<number, number | undefined, number>;
  step: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: NullableTimestamp;
  last_attempt_at: NullableTimestamp;
  last_status_code: number | null;
  created_at: Timestamp;
}

interface WebhookAttemptsTable {
  id: Generated<string>;
  delivery_id: string;
  subscription_id: string;
  attempted_at: Timestamp;
  status_code: number | null;
  duration_ms: number;
  response_body: string | null;
  error: string | null;
  trigger: 'scheduled' | 'manual';
}

export interface WebhookTables {
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
