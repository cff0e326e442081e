// Audit events: who did what, when, from where, and whether it worked. Writes are buffered
// and flushed in batches so the token endpoint never waits on the database. A batch is one
// INSERT ... SELECT FROM unnest(...) with a parameter per column rather than per value: on the
// embedded database, which runs on the main thread, that halves the time a flush holds it.
// Outside text is made storable as it is recorded; a batch the database still refuses is
// written again row by row (a refused row stored with its outside values replaced); a batch
// that finds the database away is held, up to MAX_HELD events, and written when it is back.
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { refusedData } from '../db/errors.ts';
import type { Database } from '../db/schema.ts';
import { parseDateTime, storableJson, storableText } from '../db/storable.ts';

export interface AuditEvent {
  action: string; // e.g. token.issued, token.refused, client.created, key.rotated, admin.auth_failed
  outcome: 'success' | 'failure';
  actor?: string | null; // 'admin', a client id, a user id
  clientId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  action?: string;
  outcome?: 'success' | 'failure';
  actor?: string;
  client_id?: string;
  since?: string;
  until?: string;
  limit?: number;
  before_id?: string;
}

const FLUSH_EVERY_MS = 100;
const MAX_BATCH = 500;
/** Events kept while the database is away; beyond this the oldest are dropped (and counted). */
export const MAX_HELD = 10_000;
const RETRY_MS = 1000;

/** One event as stored: every outside text already made storable. */
interface Row {
  at: string;
  action: string;
  outcome: string;
  actor: string | null;
  client_id: string | null;
  ip: string | null;
  details: string;
}

export interface AuditOptions {
  /** Told once when the database goes away and once when it is back, and of each refused row. */
  log: Pick<Logger, 'warn' | 'error'>;
  /** Events that could not be stored, by reason: `held_overflow`, `refused`, `shutdown`. */
  onDropped?: (count: number, reason: 'held_overflow' | 'refused' | 'shutdown') => void;
}

const insert = (rows: Row[]) => {
  const col = <K extends keyof Row>(k: K) => rows.map((r) => r[k]);
  return sql`insert into audit_events (at, action, outcome, actor, client_id, ip, details)
    select * from unnest(${col('at')}::timestamptz[], ${col('action')}::text[], ${col('outcome')}::text[], ${col('actor')}::text[],
                         ${col('client_id')}::text[], ${col('ip')}::text[], ${col('details')}::jsonb[])`;
};

/** A row the database refused, with its outside parts replaced: details first, then every text but the action. */
function replaced(row: Row, error: unknown, step: number): Row {
  const sqlstate = (error as { code?: unknown } | null)?.code;
  const code = typeof sqlstate === 'string' ? sqlstate : 'unknown';
  const details = JSON.stringify({ unstorable: `the database refused the details (SQLSTATE ${code}); they were replaced` });
  if (step === 0) return { ...row, details };
  const ascii = (v: string | null) => v?.replace(/[^\x20-\x7e]/g, '?') ?? null;
  return {
    ...row,
    action: ascii(row.action)!,
    outcome: ascii(row.outcome)!,
    actor: ascii(row.actor),
    client_id: ascii(row.client_id),
    ip: ascii(row.ip),
    details,
  };
}

export class Audit {
  #db: Kysely<Database>;
  #buffer: Row[] = [];
  /** Rows whose write found the database away, oldest first, written again when it is back. */
  #held: Row[] = [];
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** A full batch's flush is queued and has not yet taken the buffer. */
  #batchQueued = false;
  #options: AuditOptions;
  #away = false;

  constructor(db: Kysely<Database>, options: AuditOptions) {
    this.#db = db;
    this.#options = options;
  }

  record(event: AuditEvent): void {
    // Actors and details can come from the request: one value PostgreSQL cannot store (a NUL,
    // a lone surrogate) would otherwise fail the whole batch, losing every event in it.
    this.#buffer.push({
      at: new Date().toISOString(),
      action: storableText(event.action),
      outcome: event.outcome,
      actor: storableText(event.actor),
      client_id: storableText(event.clientId),
      ip: storableText(event.ip),
      details: storableJson(event.details ?? {}),
    });
    if (this.#held.length + this.#buffer.length > MAX_HELD) {
      this.#options.onDropped?.(1, 'held_overflow');
      if (this.#held.length > 0) this.#held.shift();
      else this.#buffer.shift();
    }
    // While the database is away the retry timer writes; recording does not hammer it.
    if (this.#away) return;
    // One queued flush takes everything recorded before it runs: a flush per event past the
    // batch size would queue thousands, each a write attempt, while the first is still out.
    if (this.#buffer.length >= MAX_BATCH) {
      if (!this.#batchQueued) {
        this.#batchQueued = true;
        void this.flush();
      }
    } else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Events recorded but not yet written: buffered, or held while the database is away. */
  get pending(): number {
    return this.#buffer.length + this.#held.length;
  }

  /** Write everything buffered and held so far. Resolves when it is in the database, or held again. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#flushing = this.#flushing.then(async () => {
      this.#batchQueued = false;
      const rows = [...this.#held, ...this.#buffer];
      this.#held = [];
      this.#buffer = [];
      for (let i = 0; i < rows.length; i += MAX_BATCH) {
        const left = await this.#write(rows.slice(i, i + MAX_BATCH));
        if (left.length > 0) return this.#hold([...left, ...rows.slice(i + MAX_BATCH)]);
      }
      if (this.#away && this.#held.length === 0) {
        this.#away = false;
        this.#options.log.warn({ written: rows.length }, 'the database is back: held audit events written');
      }
    });
    return this.#flushing;
  }

  /** Write what is pending (held rows still unwritten are counted as dropped) and stop retrying. */
  async close(): Promise<void> {
    await this.flush();
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (this.#held.length > 0) this.#options.onDropped?.(this.#held.length, 'shutdown');
    this.#held = [];
  }

  /** Writes `rows`; returns those that must wait for the database. */
  async #write(rows: Row[]): Promise<Row[]> {
    try {
      await insert(rows).execute(this.#db);
      return [];
    } catch (error) {
      if (!refusedData(error)) return this.#unavailable(error, rows);
    }
    // The database refused something in the batch: row by row, so one bad row loses at most itself.
    for (const [i, row] of rows.entries()) {
      let candidate = row;
      for (let step = 0; ; step++) {
        try {
          await insert([candidate]).execute(this.#db);
          break;
        } catch (error) {
          if (!refusedData(error)) return this.#unavailable(error, [candidate, ...rows.slice(i + 1)]);
          if (step === 2) {
            this.#options.onDropped?.(1, 'refused');
            this.#options.log.error({ err: error, action: row.action }, 'an audit event could not be stored');
            break;
          }
          if (step === 0)
            this.#options.log.warn({ err: error, action: row.action }, 'the database refused an audit event: storing it with its outside values replaced');
          candidate = replaced(row, error, step);
        }
      }
    }
    return [];
  }

  #unavailable(error: unknown, rows: Row[]): Row[] {
    if (!this.#away) {
      this.#away = true;
      this.#options.log.error({ err: error }, `could not write audit events: holding up to ${MAX_HELD} until the database is back`);
    }
    return rows;
  }

  #hold(rows: Row[]): void {
    // The bound keeps the newest events.
    const over = rows.length - MAX_HELD;
    if (over > 0) this.#options.onDropped?.(over, 'held_overflow');
    this.#held = over > 0 ? rows.slice(over) : rows;
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => void this.flush(), RETRY_MS);
    this.#retry.unref();
  }

  /** How many events with each of `actions` happened since `since` (through audit_events_action). */
  async countSince(actions: string[], since: Date): Promise<Record<string, number>> {
    await this.flush();
    const rows = await this.#db
      .selectFrom('audit_events')
      .select(['action', (eb) => eb.fn.countAll<string>().as('n')])
      .where('action', 'in', actions)
      .where('at', '>=', since)
      .groupBy('action')
      .execute();
    return Object.fromEntries(actions.map((a) => [a, Number(rows.find((r) => r.action === a)?.n ?? 0)]));
  }

  /**
   * Events newest first, a page at a time: `before_id` is the last event of the previous page.
   * Without a time range the order is the id's (the filters' indexes end in id); with one it is
   * (at, id), read along audit_events_at_id, so a window deep in the log reads one page of the
   * index instead of sorting the window. The cursor is still the event's id.
   */
  async list(filter: AuditFilter) {
    await this.flush();
    const byTime = Boolean(filter.since || filter.until);
    let query = this.#db
      .selectFrom('audit_events')
      .selectAll()
      .limit(Math.min(filter.limit ?? 100, 1000));
    query = byTime ? query.orderBy('at', 'desc').orderBy('id', 'desc') : query.orderBy('id', 'desc');
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.client_id) query = query.where('client_id', '=', filter.client_id);
    if (filter.since) query = query.where('at', '>=', parseDateTime(filter.since, 'querystring/since'));
    if (filter.until) query = query.where('at', '<', parseDateTime(filter.until, 'querystring/until'));
    if (filter.before_id) {
      const before = filter.before_id;
      query = byTime
        ? // The first condition is the index's bound, the second breaks ties of the same instant.
          query
            .where('at', '<=', sql<Date>`(select e.at from audit_events e where e.id = ${before})`)
            .where(sql<boolean>`(at, id) < (select e.at, e.id from audit_events e where e.id = ${before})`)
        : query.where('id', '<', before);
    }
    const rows = await query.execute();
    return rows.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString() }));
  }
}
