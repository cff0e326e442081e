// The transactional outbox: an event is a row written in the same transaction as the change
// that causes it, so a rolled-back change leaves no event and a committed change always has
// one. Delivery (webhooks) reads the outbox afterwards; a signal wakes it without polling.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { signal } from '../db/index.ts';
import type { Database } from '../db/schema.ts';
import { storableJson } from '../db/storable.ts';
import type { EventData, EventType } from './catalog.ts';

/** An event to write: its data must match its type's schema in the catalog. */
export type EventInput = { [T in EventType]: { type: T; organizationId: string | null; data: EventData<T> } }[EventType];

/** Write an event inside `trx` (pass the transaction that makes the change). Returns its id. */
/** Drop events dispatched before `cutoff` (the webhook retention job); how many went. */
export async function purgeDispatched(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('outbox_events').where('created_at', '<', cutoff).where('dispatched_at', 'is not', null).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function emit(trx: Kysely<Database>, event: EventInput): Promise<string> {
  const id = `evt_${randomUUID().replaceAll('-', '')}`;
  const timestamp = new Date();
  await trx
    .insertInto('outbox_events')
    .values({
      id,
      organization_id: event.organizationId,
      type: event.type,
      payload: storableJson({ type: event.type, timestamp: timestamp.toISOString(), data: event.data }),
      created_at: timestamp,
    })
    .execute();
  await signal(trx, 'outbox');
  return id;
}
