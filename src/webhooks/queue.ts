// The durable job queue: pg-boss on the same database as everything else. On the embedded
// default it shares the one PGlite instance (PGlite serialises statements and transactions, so
// the queue's work interleaves with the app's queries statement by statement); on PostgreSQL it
// keeps a small pool of its own. Queueing a job signals 'webhooks' in the same transaction, which
// wakes the delivery loop of every instance on commit (see pump.ts).
import type { Kysely } from 'kysely';
import { PgBoss, fromKysely, fromPglite, type Clock, type ConstructorOptions, type JobInsert } from 'pg-boss';
import { signal, type Storage } from '../db/index.ts';
import type { Database } from '../db/schema.ts';

export const DELIVERY_QUEUE = 'webhook-delivery';
export const RETENTION_QUEUE = 'webhook-retention';

/** A delivery job: the delivery id and the generation it was queued for (see migration 006). */
export interface DeliveryJob {
  d: string;
  g: number;
  manual?: boolean;
}

export interface QueueOptions {
  storage: Storage;
  databaseUrl: string | undefined;
  /** A job still active after this long belongs to a crashed worker and is run again. */
  expireInSeconds: number;
  clock?: Clock;
  onError: (error: Error) => void;
}

export async function openQueue(options: QueueOptions): Promise<PgBoss> {
  const common: ConstructorOptions = {
    // Expiry of a crashed worker's jobs happens on these passes: keep them frequent.
    superviseIntervalSeconds: 10,
    monitorIntervalSeconds: 10,
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const boss = options.storage.pglite
    ? new PgBoss({ ...common, db: fromPglite(options.storage.pglite), backend: 'pglite' })
    : new PgBoss({ ...common, connectionString: options.databaseUrl, max: 4, application_name: 'gatehouse-webhooks' });
  boss.on('error', options.onError);
  await boss.start();
  const queue = {
    expireInSeconds: options.expireInSeconds,
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
  await boss.createQueue(RETENTION_QUEUE, { expireInSeconds: 3600, retryLimit: 3, deleteAfterSeconds: 86400 });
  // Warm pg-boss's queue cache now. Inside one of our transactions on PGlite, a cache miss would
  // query through the instance's own connection and wait forever on the transaction we hold.
  await boss.insert(DELIVERY_QUEUE, []);
  await boss.insert(RETENTION_QUEUE, []);
  return boss;
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
    const jobs: JobInsert<DeliveryJob>[] = deliveries.slice(i, i + 1000)
      .map((q) => (q.startAfter ? { data: q.job, startAfter: q.startAfter } : { data: q.job }));
    await boss.insert(DELIVERY_QUEUE, jobs, { db: fromKysely(trx) });
  }
}
