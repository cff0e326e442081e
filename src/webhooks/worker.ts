// The delivery worker: takes a batch of jobs, makes one attempt for each live delivery, and
// records every outcome in one transaction: the attempt log, the delivery's new state, the next
// retry's job, and the subscription's health (disabled on 410, or after five days of failures).
// A job that finds its delivery gone, finished, or at a later generation does nothing, so a job
// run twice (a worker killed after sending) is harmless; the receiver may see the message twice,
// always under the same webhook-id.
import type { Kysely } from 'kysely';
import type { Job } from 'pg-boss';
import type { Sealer } from '../crypto.ts';
import type { Database } from '../db/schema.ts';
import type { AttemptResult, Message } from './sender.ts';
import type { DeliveryJob, QueuedDelivery } from './queue.ts';
import { recordOutcomes, type Outcome } from './record.ts';
import { signingSecrets } from './subscriptions.ts';

export interface WorkerDeps {
  db: Kysely<Database>;
  sealer: Sealer;
  attempt: (message: Message) => Promise<AttemptResult>;
  enqueue: (trx: Kysely<Database>, deliveries: readonly QueuedDelivery[]) => Promise<void>;
  now: () => number;
  random: () => number;
}

export type LiveDelivery = Awaited<ReturnType<typeof load>>[number];

function load(db: Kysely<Database>, ids: string[]) {
  return db.selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_subscriptions as s', 's.id', 'd.subscription_id')
    .select(['d.id', 'd.subscription_id', 'd.event_id', 'd.payload', 'd.status', 'd.generation', 'd.step',
      's.organization_id', 's.url', 's.status as subscription_status', 's.auth_header', 's.auth_header_value',
      's.secret', 's.previous_secret', 's.previous_secret_expires_at'])
    .where('d.id', 'in', ids).execute();
}

export function deliveryHandler(deps: WorkerDeps) {
  return async function handle(jobs: Job<DeliveryJob>[]): Promise<void> {
    const rows = await load(deps.db, [...new Set(jobs.map((j) => j.data.d))]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const due = new Map<string, { row: LiveDelivery; manual: boolean }>();
    for (const job of jobs) {
      const row = byId.get(job.data.d);
      if (!row || row.status !== 'pending' || row.generation !== job.data.g) continue; // stale or finished
      due.set(row.id, { row, manual: job.data.manual === true });
    }
    if (due.size === 0) return;
    const outcomes: Outcome[] = await Promise.all([...due.values()].map(async ({ row, manual }): Promise<Outcome> => {
      const attemptedAt = deps.now();
      // A disabled subscription is not called; its pending deliveries end as failed (recoverable).
      if (row.subscription_status !== 'enabled') return { row, manual, attemptedAt, result: undefined };
      const result = await deps.attempt({
        url: row.url,
        webhookId: row.event_id,
        body: row.payload,
        secrets: signingSecrets(deps.sealer, row, attemptedAt),
        authHeader: row.auth_header && row.auth_header_value ? { name: row.auth_header, value: deps.sealer.open(row.auth_header_value) } : undefined,
      });
      return { row, manual, attemptedAt, result };
    }));
    await recordOutcomes(deps, outcomes);
  };
}
