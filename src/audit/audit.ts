// Audit events: who did what, when, from where, and whether it worked. Writes are buffered
// and flushed in batches so the token endpoint never waits on the database. A batch is one
// INSERT ... SELECT FROM unnest(...) with a parameter per column rather than per value: on the
// embedded database, which runs on the main thread, that halves the time a flush holds it.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

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
  client_id?: string;
  since?: string;
  until?: string;
  limit?: number;
  before_id?: string;
}

const FLUSH_EVERY_MS = 100;
const MAX_BATCH = 500;

interface Columns {
  at: string[];
  action: string[];
  outcome: string[];
  actor: (string | null)[];
  client_id: (string | null)[];
  ip: (string | null)[];
  details: string[];
}

const storable = (value: string | null | undefined): string | null => value?.replaceAll('\0', '') ?? null;

const empty = (): Columns => ({ at: [], action: [], outcome: [], actor: [], client_id: [], ip: [], details: [] });

export class Audit {
  #db: Kysely<Database>;
  #buffer: Columns = empty();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #onError: (error: unknown) => void;

  constructor(db: Kysely<Database>, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
  }

  record(event: AuditEvent): void {
    const b = this.#buffer;
    b.at.push(new Date().toISOString());
    b.action.push(event.action);
    b.outcome.push(event.outcome);
    // Actors and details can come from the request; PostgreSQL text cannot hold NUL, and one
    // such value would fail the whole batch, losing every event in it.
    b.actor.push(storable(event.actor));
    b.client_id.push(storable(event.clientId));
    b.ip.push(storable(event.ip));
    b.details.push(JSON.stringify(event.details ?? {}, (_key, value) => (typeof value === 'string' ? storable(value) : value)));
    if (b.at.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Write everything buffered so far. Resolves when it is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const b = this.#buffer;
    this.#buffer = empty();
    this.#flushing = this.#flushing.then(async () => {
      if (b.at.length === 0) return;
      try {
        await sql`insert into audit_events (at, action, outcome, actor, client_id, ip, details)
          select * from unnest(${b.at}::timestamptz[], ${b.action}::text[], ${b.outcome}::text[], ${b.actor}::text[],
                               ${b.client_id}::text[], ${b.ip}::text[], ${b.details}::jsonb[])`.execute(this.#db);
      } catch (error) {
        this.#onError(error);
      }
    });
    return this.#flushing;
  }

  async list(filter: AuditFilter) {
    await this.flush();
    let query = this.#db.selectFrom('audit_events').selectAll().orderBy('id', 'desc').limit(Math.min(filter.limit ?? 100, 1000));
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
    if (filter.client_id) query = query.where('client_id', '=', filter.client_id);
    if (filter.since) query = query.where('at', '>=', new Date(filter.since));
    if (filter.until) query = query.where('at', '<', new Date(filter.until));
    if (filter.before_id) query = query.where('id', '<', filter.before_id);
    const rows = await query.execute();
    return rows.map((r) => ({ ...r, id: String(r.id), at: r.at.toISOString() }));
  }
}
