// The webhook queues on pg-boss (opened by ops/jobs.ts). Queueing a job signals 'webhooks' in the
// same transaction, which wakes the delivery loop of every instance on commit (see pump.ts).
import type { Kysely } from 'kysely';
import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import { signal } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

export const DELIVERY_QUEUE = 'webhook-delivery';

/** A delivery job: the delivery id and the generation it was queued for (see migration 006). */
export interface DeliveryJob {
  d: string;
  g: number;
  manual?: boolean;
}

/** Create (or update) the delivery queue; a job still active after `expireInSeconds` belongs to a crashed worker and is run again. */
export async function createQueues(boss: PgBoss, expireInSeconds: number): Promise<void> {
  const queue = {
    expireInSeconds,
    // Retries here only cover a worker that died or lost its database mid-job; delivery retries
    // follow the webhook schedule and are queued as new jobs.
    retryLimit: 50,
    retryDelay: 2,
    retryBackoff: true,
    retryDelayMax: 300,
    retentionSeconds: 14 * 86400, // longer than the whole retry schedule
    deleteAfterSeconds: 3600, // the delivery log is kept in our own tables
  };
  await boss.createQueue(DELIVERY_QUEUE, queue);
  const { retryDelayMax: _fixedAtCreation, ...updatable } = queue;
  await boss.updateQueue(DELIVERY_QUEUE, updatable); // a changed timeout applies on the next start
  // Warm pg-boss's queue cache now. Inside one of our transactions on PGlite, a cache miss would
  // query through the instance's own connection and wait forever on the transaction we hold.
  await boss.insert(DELIVERY_QUEUE, []);
}

export interface QueuedDelivery {
  job: DeliveryJob;
  startAfter?: Date;
}

/** Queue deliveries inside `trx`: the jobs exist exactly when the transaction commits. */
export async function enqueue(boss: PgBoss, trx: Kysely<Database>, deliveries: readonly QueuedDelivery[]): Promise<void> {
  if (deliveries.length === 0) return;
  await signal(trx, 'webhooks');
  for (let i = 0; i < deliveries.length; i += 1000) {
    const jobs: JobInsert<DeliveryJob>[] = deliveries
      .slice(i, i + 1000)
      .map((q) => (q.startAfter ? { data: q.job, startAfter: q.startAfter } : { data: q.job }));
    await boss.insert(DELIVERY_QUEUE, jobs, { db: fromKysely(trx) });
  }
}
