// The database handle: embedded PGlite (the default) or PostgreSQL over a pg pool when
// DATABASE_URL is set. Both speak the same SQL, so everything above this file is shared.
// It also carries the cross-instance signal channel (LISTEN/NOTIFY) that keeps caches honest.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { lockDataDir } from './data-dir-lock.ts';

export const CHANNEL = 'gatehouse';

export type Signal = { topic: string; id?: string };
export type SignalHandler = (signal: Signal) => void;

export interface Storage {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** The embedded instance itself (PGlite only), for libraries that need their own handle on it. */
  pglite?: import('@electric-sql/pglite').PGlite;
  /** Subscribe to signals from every instance (this one included). */
  onSignal(handler: SignalHandler): void;
  /** Resolves once every signal committed before the call has reached this instance's handlers. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string;
  /** Directory for the embedded database; 'memory://' keeps it in memory (tests). */
  dataDir: string;
}

/** Publish a signal inside a transaction (or not): Postgres delivers it on commit only. */
export async function signal(db: Kysely<Database>, topic: string, id?: string): Promise<void> {
  const payload = JSON.stringify(id === undefined ? { topic } : { topic, id });
  await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(db);
}

function parseSignal(payload: string | undefined): Signal | undefined {
  try {
    const value = JSON.parse(payload ?? '');
    return typeof value?.topic === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export async function openStorage(options: StorageOptions): Promise<Storage> {
  const handlers: SignalHandler[] = [];
  const dispatch = (payload: string | undefined) => {
    const s = parseSignal(payload);
    if (s) for (const h of handlers) h(s);
  };
  if (options.databaseUrl) return openPostgres(options.databaseUrl, handlers, dispatch);
  return openPglite(options.dataDir, handlers, dispatch);
}

async function openPglite(dataDir: string, handlers: SignalHandler[], dispatch: (p?: string) => void): Promise<Storage> {
  const { PGlite } = await import('@electric-sql/pglite');
  let pglite;
  let unlock = async () => {};
  if (dataDir === 'memory://') {
    pglite = new PGlite();
  } else {
    const dir = path.join(dataDir, 'pgdata');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    unlock = await lockDataDir(dataDir);
    pglite = new PGlite(dir);
  }
  try {
    await pglite.waitReady;
  } catch (error) {
    await unlock();
    throw error;
  }
  const unlisten = await pglite.listen(CHANNEL, (payload) => dispatch(payload));
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    pglite,
    onSignal: (h) => void handlers.push(h),
    // One process: a commit's notifications are dispatched before the commit returns.
    sync: async () => {},
    async close() {
      await unlisten();
      await db.destroy(); // closes the PGlite instance too
      await unlock();
    },
  };
}

async function openPostgres(url: string, handlers: SignalHandler[], dispatch: (p?: string) => void): Promise<Storage> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  // The pool listens for errors only on idle connections. A connection lost while a query is out
  // (a network cut, a failover) rejects that query and then emits 'error' on the checked-out
  // client, which with no listener would end the process; the pool drops the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  let listener: pg.Client | undefined;
  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    client.on('notification', (msg) => dispatch(msg.payload));
    client.on('error', () => {
      listener = undefined;
      client.end().catch(() => {});
      // Reconnect; signals missed meanwhile are covered by the periodic cache refreshes.
      if (!closed) setTimeout(() => connect().catch(() => {}), 1000).unref();
    });
    await client.connect();
    await client.query(`listen ${CHANNEL}`);
    listener = client;
  };
  await connect();
  // A round trip on the listening connection: PostgreSQL sends the notifications already queued
  // for it before the answer, and pg dispatches them as they arrive. Callers that come while one
  // is in flight wait for the next, which starts after they did; that one is shared.
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  const sync = (): Promise<void> => {
    if (!listener) return Promise.resolve(); // reconnecting: the periodic refreshes cover the gap
    if (!running) {
      // Bounded: a connection that stopped answering must not hold requests (its error event reconnects).
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
      running = Promise.race([listener.query('select 1').then(() => {}, () => {}), timeout]).finally(() => (running = undefined));
      return running;
    }
    queued ??= running.then(() => {
      queued = undefined;
      return sync();
    });
    return queued;
  };
  return {
    db,
    kind: 'postgres',
    onSignal: (h) => void handlers.push(h),
    sync,
    async close() {
      closed = true;
      await listener?.end().catch(() => {});
      await db.destroy();
    },
  };
}
