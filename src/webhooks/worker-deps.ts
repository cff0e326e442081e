// What the delivery worker (worker.ts) and its recorder (record.ts) both take: the worker's
// dependencies and the delivery rows a batch loads. Apart, so that the recorder need not
// import the worker that drives it.
import type { Kysely } from 'kysely';
import type { Job } from 'pg-boss';
import type { Sealer } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { AttemptResult, Message } from './sender.ts';
import type { DeliveryJob, QueuedDelivery } from './queue.ts';

export interface WorkerDeps {
  db: Kysely<Database>;
  sealer: Sealer;
  attempt: (message: Message) => Promise<AttemptResult>;
  enqueue: (trx: Kysely<Database>, deliveries: readonly QueuedDelivery[]) => Promise<void>;
  /** Mark jobs done inside `trx`, together with what they recorded. */
  complete: (trx: Kysely<Database>, jobs: readonly Job<DeliveryJob>[]) => Promise<void>;
  now: () => number;
  /**
   * Commit without waiting for the WAL flush (PostgreSQL). A write lost to a database crash
   * loses its job completions with it, so those deliveries are sent again: at least once still.
   */
  asyncCommit?: boolean;
  random: () => number;
  onError: (error: unknown) => void;
}

export type LiveDelivery = Awaited<ReturnType<typeof load>>[number];

/** The deliveries of a batch, with what an attempt needs from their subscriptions. */
export function load(db: Kysely<Database>, ids: string[]) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select([
      'd.id',
      'd.subscription_id',
      'd.event_id',
      'd.payload',
      'd.status',
      'd.generation',
      'd.step',
      's.organization_id',
      's.url',
      's.status as subscription_status',
      's.auth_header',
      's.auth_header_value',
      's.secret',
      's.previous_secret',
      's.previous_secret_expires_at',
    ])
    .where('d.id', 'in', ids)
    .execute();
}
