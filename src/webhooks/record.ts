// Recording outcomes (see worker.ts). Outcomes that arrive while a write is running are written
// together in the next one: one transaction holds the attempt log, the deliveries' next state
// with their retry jobs, the subscriptions' health (disabled on 410, or after five days without
// a success) and the completion of the jobs. Statements take whole arrays (unnest), and the log,
// the next states and a recovered subscription's health share one statement, so a write of
// successes costs four round trips however many outcomes it carries (begin, that statement, the
// jobs' completion, commit; one more on PostgreSQL to relax the commit). A batch the database
// refuses for what it carries is written again outcome by outcome, so one delivery's result (a
// receiver's answer that slipped past storableText, say) cannot send every other delivery in it
// again.
import { sql, type Kysely } from 'kysely';
import type { Job } from 'pg-boss';
import { refusedData } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';
import { emit } from '../events/outbox.ts';
import type { DeliveryJob } from './queue.ts';
import type { AttemptResult } from './sender.ts';
import { DISABLE_AFTER_MS, nextDelay } from './schedule.ts';
import type { LiveDelivery, WorkerDeps } from './worker-deps.ts';

export interface Outcome {
  job: Job<DeliveryJob>;
  row: LiveDelivery;
  manual: boolean;
  attemptedAt: number;
  result: AttemptResult | undefined; // undefined: not attempted (the subscription is disabled)
}

type Deps = Pick<WorkerDeps, 'db' | 'enqueue' | 'complete' | 'random' | 'now' | 'asyncCommit'>;

/** A settled job: with an outcome to record, or (stale) only to complete. */
export type Entry = Outcome | { job: Job<DeliveryJob> };

const iso = (ms: number) => new Date(ms).toISOString();

interface NextState {
  status: 'pending' | 'delivered' | 'failed';
  step: number;
  nextAt: number | null;
}

function nextState(o: Outcome, random: () => number): NextState {
  const { row, result } = o;
  if (!result) return { status: 'failed', step: row.step, nextAt: null };
  if (result.ok) return { status: 'delivered', step: row.step, nextAt: null };
  if (result.statusCode === 410) return { status: 'failed', step: row.step, nextAt: null };
  const delay = nextDelay(row.step + 1, random(), result.retryAfterMs);
  if (delay === undefined) return { status: 'failed', step: row.step, nextAt: null };
  return { status: 'pending', step: row.step + 1, nextAt: o.attemptedAt + delay };
}

/**
 * The attempt log, the deliveries' next state and the clearing of `failing_since` on the
 * subscriptions that just succeeded, in one statement over one set of arrays. Returns the
 * deliveries that stay pending, for their retry jobs.
 */
async function recordOutcomes(trx: Kysely<Database>, deps: Deps, outcomes: Outcome[]) {
  const states = outcomes.map((o) => nextState(o, deps.random));
  const col = <T>(f: (o: Outcome, i: number) => T) => outcomes.map(f);
  const result = await sql<{ id: string; generation: number; next_attempt_at: Date }>`
    with v as (
      select * from unnest(${col((o) => o.row.id)}::text[], ${col((o) => o.row.generation)}::int[], ${col((o) => o.row.subscription_id)}::text[],
        ${col((_, i) => states[i].status)}::text[], ${col((_, i) => states[i].step)}::int[], ${col((o) => (o.result ? 1 : 0))}::int[],
        ${col((_, i) => (states[i].nextAt === null ? null : iso(states[i].nextAt!)))}::timestamptz[], ${col((o) => iso(o.attemptedAt))}::timestamptz[],
        ${col((o) => o.result?.statusCode ?? null)}::int[], ${col((o) => o.result?.durationMs ?? 0)}::int[], ${col((o) => o.result?.responseBody ?? null)}::text[],
        ${col((o) => o.result?.error ?? null)}::text[], ${col((o) => (o.manual ? 'manual' : 'scheduled'))}::text[])
        as v(id, generation, subscription_id, status, step, tried, next_at, at, code, duration, body, error, trigger)
    ),
    logged as (
      insert into webhook_attempts (delivery_id, subscription_id, attempted_at, status_code, duration_ms, response_body, error, trigger)
      select id, subscription_id, at, code, duration, body, error, trigger from v where tried = 1
    ),
    healthy as (
      update webhook_subscriptions s set failing_since = null
      where s.id in (select subscription_id from v where status = 'delivered') and s.failing_since is not null
    ),
    updated as (
      update webhook_deliveries d set
        status = v.status, step = v.step,
        generation = case when v.status = 'pending' then d.generation + 1 else d.generation end,
        attempts = d.attempts + v.tried, next_attempt_at = v.next_at,
        last_attempt_at = case when v.tried = 1 then v.at else d.last_attempt_at end,
        last_status_code = case when v.tried = 1 then v.code else d.last_status_code end
      from v
      where d.id = v.id and d.generation = v.generation
      returning d.id, d.status, d.generation, d.next_attempt_at
    )
    select id, generation, next_attempt_at from updated where status = 'pending' and next_attempt_at is not null`.execute(trx);
  return result.rows;
}

async function updateDeliveries(trx: Kysely<Database>, deps: Deps, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  // Only rows still at the generation this batch worked on: a resend in between supersedes us.
  const retries = await recordOutcomes(trx, deps, outcomes);
  await deps.enqueue(
    trx,
    retries.map((r) => ({ job: { d: r.id, g: Number(r.generation) }, startAfter: new Date(r.next_attempt_at) })),
  );
}

async function disable(trx: Kysely<Database>, ids: string[], reason: string, now: number): Promise<void> {
  if (ids.length === 0) return;
  const disabled = await trx
    .updateTable('webhook_subscriptions')
    .set({ status: 'disabled', disabled_reason: reason, updated_at: new Date(now) })
    .where('id', 'in', ids)
    .where('status', '=', 'enabled')
    .returning(['id', 'organization_id'])
    .execute();
  for (const s of disabled) {
    await emit(trx, { type: 'webhook.disabled', organizationId: s.organization_id, data: { organizationId: s.organization_id, webhookId: s.id, reason } });
  }
}

async function updateHealth(trx: Kysely<Database>, deps: Deps, outcomes: Outcome[]): Promise<void> {
  const now = deps.now();
  const succeeded = new Set(outcomes.filter((o) => o.result?.ok).map((o) => o.row.subscription_id));
  const failed = new Map<string, number>(); // subscription -> earliest failure in this batch
  const gone = new Set<string>();
  for (const o of outcomes) {
    if (!o.result || o.result.ok || succeeded.has(o.row.subscription_id)) continue;
    failed.set(o.row.subscription_id, Math.min(failed.get(o.row.subscription_id) ?? Infinity, o.attemptedAt));
    if (o.result.statusCode === 410) gone.add(o.row.subscription_id);
  }
  // A success has cleared failing_since already (recordOutcomes).
  if (failed.size === 0) return;
  const ids = [...failed.keys()];
  const rows = await sql<{ id: string; failing_since: Date }>`
    update webhook_subscriptions s set failing_since = coalesce(s.failing_since, v.at)
    from unnest(${ids}::text[], ${ids.map((id) => iso(failed.get(id)!))}::timestamptz[]) as v(id, at)
    where s.id = v.id and s.status = 'enabled'
    returning s.id, s.failing_since`.execute(trx);
  // RFC 9110 §15.5.11: 410 Gone is permanent; the receiver asked not to be called again.
  await disable(trx, [...gone], 'the endpoint answered 410 Gone', now);
  const stale = rows.rows.filter((r) => !gone.has(r.id) && now - new Date(r.failing_since).getTime() >= DISABLE_AFTER_MS).map((r) => r.id);
  await disable(trx, stale, 'every delivery failed for 5 days', now);
}

async function writeTogether(deps: Deps, entries: Entry[]): Promise<void> {
  const outcomes = entries.filter((e): e is Outcome => 'row' in e);
  await deps.db.transaction().execute(async (trx) => {
    if (deps.asyncCommit) await sql`set local synchronous_commit = off`.execute(trx);
    await updateDeliveries(trx, deps, outcomes);
    await updateHealth(trx, deps, outcomes);
    await deps.complete(
      trx,
      entries.map((e) => e.job),
    );
  });
}

/** The entry with what the receiver sent replaced by a note: the outcome itself still counts. */
function withoutExcerpt(entry: Entry, error: unknown): Entry | undefined {
  if (!('row' in entry) || !entry.result) return undefined;
  const sqlstate = (error as { code?: unknown } | null)?.code;
  const code = typeof sqlstate === 'string' ? sqlstate : 'unknown';
  return { ...entry, result: { ...entry.result, responseBody: null, error: `the database refused the response excerpt (SQLSTATE ${code}); it was dropped` } };
}

type WriteDeps = Deps & { onError: (error: unknown) => void };

async function write(deps: WriteDeps, entries: Entry[]): Promise<void> {
  try {
    return await writeTogether(deps, entries);
  } catch (error) {
    if (!refusedData(error)) throw error;
    if (entries.length === 1) return writeStripped(deps, entries[0], error);
  }
  // One by one, so that a refused entry loses at most itself.
  for (const entry of entries) {
    try {
      await writeTogether(deps, [entry]);
    } catch (error) {
      if (!refusedData(error)) throw error;
      await writeStripped(deps, entry, error);
    }
  }
}

/** An entry the database refused, written without the receiver's text; refused still, its job expires and runs again. */
async function writeStripped(deps: WriteDeps, entry: Entry, refusal: unknown): Promise<void> {
  deps.onError(refusal);
  const stripped = withoutExcerpt(entry, refusal);
  if (!stripped) return;
  try {
    await writeTogether(deps, [stripped]);
  } catch (error) {
    if (!refusedData(error)) throw error;
    deps.onError(error);
  }
}

/** Writes entries in batches, one transaction at a time. */
export class Recorder {
  #deps: WriteDeps;
  #queue: { entries: Entry[]; done: () => void }[] = [];
  #writing = false;

  constructor(deps: WriteDeps) {
    this.#deps = deps;
  }

  /** Resolves once the entries are written (or the write failed: the jobs then expire and run again). */
  add(entries: Entry[]): Promise<void> {
    return new Promise((done) => {
      this.#queue.push({ entries, done });
      if (!this.#writing) {
        this.#writing = true;
        setImmediate(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#queue.length);
      try {
        await write(
          this.#deps,
          batch.flatMap((b) => b.entries),
        );
      } catch (error) {
        this.#deps.onError(error);
      }
      for (const b of batch) b.done();
    }
    this.#writing = false;
  }
}
