// Retention: attempts, deliveries (with their payloads) and dispatched outbox events older than
// the configured number of days are deleted. Runs as a scheduled job, so with several instances
// one of them does it. A delivery still pending is kept whatever its age.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { purgeDispatched } from '../events/outbox.ts';

export interface Purged {
  attempts: number;
  deliveries: number;
  events: number;
}

export async function purge(db: Kysely<Database>, retentionDays: number, now: number): Promise<Purged> {
  const cutoff = new Date(now - retentionDays * 86_400_000);
  const attempts = await db.deleteFrom('webhook_attempts').where('attempted_at', '<', cutoff).executeTakeFirst();
  const deliveries = await db.deleteFrom('webhook_deliveries').where('created_at', '<', cutoff).where('status', '!=', 'pending').executeTakeFirst();
  const events = await purgeDispatched(db, cutoff);
  return {
    attempts: Number(attempts.numDeletedRows),
    deliveries: Number(deliveries.numDeletedRows),
    events,
  };
}
