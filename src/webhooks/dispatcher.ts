// Fan-out: reads committed events from the outbox and turns each into one delivery per matching
// subscription, queueing a job for each, in one transaction that also marks the events
// dispatched. A crash before the commit leaves the events pending; after it, the jobs exist.
// `for update skip locked` lets several instances drain the outbox side by side.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { QueuedDelivery } from './queue.ts';

const BATCH = 500;

interface OutboxRow {
  id: string;
  organization_id: string | null;
  type: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | string;
  created_at: Date;
}

export interface DispatcherDeps {
  db: Kysely<Database>;
  enqueue: (trx: Kysely<Database>, deliveries: readonly QueuedDelivery[]) => Promise<void>;
  now: () => number;
  /** Commit without waiting for the WAL flush (PostgreSQL; see worker-deps.ts). */
  asyncCommit?: boolean;
  onError: (error: unknown) => void;
}

/** The body that is signed and sent, in the documented field order {type, timestamp, data}. */
function body(row: OutboxRow): string {
  const p = typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload;
  return JSON.stringify({ type: p.type, timestamp: p.timestamp, data: p.data });
}

/** Dispatch one batch; returns how many events it took off the outbox. */
async function dispatchBatch(deps: DispatcherDeps): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    // A dispatch lost to a database crash leaves its events undispatched, to be fanned out again.
    if (deps.asyncCommit) await sql`set local synchronous_commit = off`.execute(trx);
    // Claim and mark in one statement; the marks only stand if the whole transaction commits.
    const claimed = await sql<OutboxRow>`
      update outbox_events o set dispatched_at = ${new Date(deps.now()).toISOString()}::timestamptz
      from (select id from outbox_events where dispatched_at is null order by created_at limit ${BATCH} for update skip locked) as batch
      where o.id = batch.id
      returning o.id, o.organization_id, o.type, o.payload, o.created_at`.execute(trx);
    const events = claimed.rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime());
    if (events.length === 0) return 0;
    const organizations = [...new Set(events.map((e) => e.organization_id).filter((o): o is string => o !== null))];
    const subscriptions =
      organizations.length === 0
        ? []
        : await trx
            .selectFrom('webhook_subscriptions')
            .select(['id', 'organization_id', 'event_types', 'created_at'])
            .where('organization_id', 'in', organizations)
            .where('status', '=', 'enabled')
            .execute();
    const ids: string[] = [],
      subs: string[] = [],
      eventIds: string[] = [],
      types: string[] = [],
      bodies: string[] = [];
    for (const event of events) {
      let text: string | undefined;
      for (const s of subscriptions) {
        // An endpoint receives the events that happen after it was created, of the types it chose.
        if (s.organization_id !== event.organization_id || !s.event_types.includes(event.type) || s.created_at > new Date(event.created_at)) continue;
        text ??= body(event);
        ids.push(randomUUID().replaceAll('-', ''));
        subs.push(s.id);
        eventIds.push(event.id);
        types.push(event.type);
        bodies.push(text);
      }
    }
    if (ids.length > 0) {
      const now = new Date(deps.now()).toISOString();
      const inserted = await sql<{ id: string }>`
        insert into webhook_deliveries (id, subscription_id, event_id, event_type, payload, status, created_at)
        select v.id, v.sub, v.event, v.type, v.body, 'pending', ${now}::timestamptz
        from unnest(${ids}::text[], ${subs}::text[], ${eventIds}::text[], ${types}::text[], ${bodies}::text[]) as v(id, sub, event, type, body)
        on conflict (subscription_id, event_id) do nothing
        returning id`.execute(trx);
      await deps.enqueue(
        trx,
        inserted.rows.map((r) => ({ job: { d: r.id, g: 0 } })),
      );
    }
    return events.length;
  });
}

/**
 * Runs dispatch passes when kicked (an 'outbox' signal, a timer), one at a time: a kick during a
 * pass asks for one more pass after it, so no commit is ever left waiting for the next timer.
 */
export class Dispatcher {
  #deps: DispatcherDeps;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#drain().finally(() => {
      this.#running = undefined;
      if (this.#again && !this.#stopped) {
        this.#again = false;
        this.kick();
      }
    });
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopped && (await dispatchBatch(this.#deps)) === BATCH) {
        /* more waiting */
      }
    } catch (error) {
      this.#deps.onError(error);
    }
  }

  /** Resolves when the pass in progress (if any) and any pass it asked for have finished. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }
}
