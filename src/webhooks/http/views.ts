// Rows as the webhook endpoints show them.
import type { Subscription } from '../subscriptions.ts';
import type { Deliveries } from '../deliveries.ts';

export function webhookView(s: Subscription) {
  return {
    webhook_id: s.id,
    webhook_url: s.url,
    eventTypes: s.event_types,
    auth_header: s.auth_header,
    status: s.status,
    disabled_reason: s.disabled_reason,
    previous_secret_expires_at: s.previous_secret_expires_at?.toISOString() ?? null,
    created_at: s.created_at.toISOString(),
    updated_at: s.updated_at.toISOString(),
  };
}

export function attemptView(a: Awaited<ReturnType<Deliveries['attempts']>>[number]) {
  return {
    attempt_id: String(a.id),
    delivery_id: a.delivery_id,
    event_id: a.event_id,
    event_type: a.event_type,
    delivery_status: a.delivery_status,
    attempted_at: a.attempted_at.toISOString(),
    status_code: a.status_code,
    duration_ms: a.duration_ms,
    response_body: a.response_body,
    error: a.error,
    trigger: a.trigger,
  };
}
