// The delivery log of a subscription (one row per attempt), and the two ways to send again:
// resend one delivery, or recover every failed delivery since a time. Both start the delivery
// over at the top of the retry schedule under a new generation, which retires any retry job
// still queued for it.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { errors } from '../errors.ts';
import type { QueuedDelivery } from './queue.ts';

export interface AttemptFilter {
  limit?: number;
  before?: string; // an attempt id: page backwards
  deliveryId?: string;
}

export interface DeliveryDeps {
  db: Kysely<Database>;
  enqueue: (trx: Kysely<Database>, deliveries: readonly QueuedDelivery[]) => Promise<void>;
  now: () => number;
}

export class Deliveries {
  #deps: DeliveryDeps;

  constructor(deps: DeliveryDeps) {
    this.#deps = deps;
  }

  /** Attempts for one subscription, newest first. */
  async attempts(subscriptionId: string, filter: AttemptFilter = {}) {
    let query = this.#deps.db
      .selectFrom('webhook_attempts as a')
      .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
      .select([
        'a.id',
        'a.delivery_id',
        'd.event_id',
        'd.event_type',
        'd.status as delivery_status',
        'd.attempts as delivery_attempts',
        'd.next_attempt_at',
        'a.attempted_at',
        'a.status_code',
        'a.duration_ms',
        'a.response_body',
        'a.error',
        'a.trigger',
      ])
      .where('a.subscription_id', '=', subscriptionId)
      .orderBy('a.id', 'desc')
      .limit(Math.min(filter.limit ?? 50, 500));
    if (filter.before) query = query.where('a.id', '<', filter.before);
    if (filter.deliveryId) query = query.where('a.delivery_id', '=', filter.deliveryId);
    return query.execute();
  }

  /** Send one delivery again (whatever its state), starting its schedule over. */
  async resend(subscriptionId: string, deliveryId: string): Promise<void> {
    await this.#deps.db.transaction().execute(async (trx) => {
      const rows = await this.#restart(trx, subscriptionId, sql`d.id = ${deliveryId}`);
      if (rows === 0) throw errors.NotFound(`delivery "${deliveryId}" does not exist for this webhook`);
    });
  }

  /** Send again every delivery that failed and was created at or after `since`; returns how many. */
  async recover(subscriptionId: string, since: Date): Promise<number> {
    return this.#deps.db
      .transaction()
      .execute((trx) => this.#restart(trx, subscriptionId, sql`d.status = 'failed' and d.created_at >= ${since.toISOString()}::timestamptz`));
  }

  async #restart(trx: Kysely<Database>, subscriptionId: string, which: ReturnType<typeof sql>): Promise<number> {
    const subscription = await trx.selectFrom('webhook_subscriptions').select(['status']).where('id', '=', subscriptionId).forUpdate().executeTakeFirst();
    if (!subscription) throw errors.NotFound('webhook', subscriptionId);
    if (subscription.status !== 'enabled') throw errors.WebhookDisabled();
    const now = new Date(this.#deps.now()).toISOString();
    const rows = await sql<{ id: string; generation: number }>`
      update webhook_deliveries d set status = 'pending', step = 0, generation = d.generation + 1, next_attempt_at = ${now}::timestamptz
      where d.subscription_id = ${subscriptionId} and ${which}
      returning d.id, d.generation`.execute(trx);
    await this.#deps.enqueue(
      trx,
      rows.rows.map((r) => ({ job: { d: r.id, g: Number(r.generation), manual: true } })),
    );
    return rows.rows.length;
  }
}
