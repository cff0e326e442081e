// Audit events: who did what, when, from where, and whether it worked. Writes are buffered
// and flushed in multi-row inserts so the token endpoint never waits on the database.
import type { Kysely } from 'kysely';
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

const FLUSH_EVERY_MS = 250;
const MAX_BATCH = 1000;

export class Audit {
  #db: Kysely<Database>;
  #buffer: Database['audit_events'][] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #onError: (error: unknown) => void;

  constructor(db: Kysely<Database>, onError: (error: unknown) => void) {
    this.#db = db;
    this.#onError = onError;
  }

  record(event: AuditEvent): void {
    this.#buffer.push({
      at: new Date(),
      action: event.action,
      outcome: event.outcome,
      actor: event.actor ?? null,
      client_id: event.clientId ?? null,
      ip: event.ip ?? null,
      details: JSON.stringify(event.details ?? {}),
    } as unknown as Database['audit_events']);
    if (this.#buffer.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Write everything buffered so far. Resolves when it is in the database. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.#db.insertInto('audit_events').values(batch as any).execute();
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
