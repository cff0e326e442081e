// The database handle: embedded PGlite (the default) or PostgreSQL over a pg pool when
// DATABASE_URL is set. Both speak the same SQL, so everything above this file is shared.
// It also carries the cross-instance signal channel (LISTEN/NOTIFY) that keeps caches honest.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import type { Logger } from 'pino';
import { lockDataDir } from './data-dir-lock.ts';
import { prepareMarked } from './prepared.ts';
import { ConfigError } from '../config-error.ts';
import { DatabaseUnavailable } from './errors.ts';

const CHANNEL = 'gatehouse';
/** Dispatched after the listener was away: anything may have changed, so every cache drops all. */
export const RESYNC = 'resync';

export type Signal = { topic: string; id?: string };
type SignalHandler = (signal: Signal) => void;

export interface Storage {
  db: Kysely<Database>;
  kind: 'pglite' | 'postgres';
  /** The embedded instance itself (PGlite only), for libraries that need their own handle on it. */
  pglite?: import('@electric-sql/pglite').PGlite;
  /** Subscribe to signals from every instance (this one included). */
  onSignal(handler: SignalHandler): void;
  /**
   * Resolves once every signal committed before the call has reached this instance's handlers;
   * rejects with DatabaseUnavailable while the listener is away and does not come back in time.
   */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface StorageOptions {
  databaseUrl?: string;
  /** Directory for the embedded database; 'memory://' keeps it in memory (tests). */
  dataDir: string;
  /** PostgreSQL: how long start-up waits for the database to answer (GATEHOUSE_DB_WAIT_SECONDS). */
  waitSeconds?: number;
  /** Embedded: PostgreSQL's shared_buffers in MB (GATEHOUSE_PGLITE_SHARED_BUFFERS_MB; default 16). */
  sharedBuffersMb?: number;
  log?: Logger;
}

/**
 * The embedded database's page cache. PGlite keeps PostgreSQL's default of 128 MB, which grows its
 * WebAssembly memory past the 128 MB it starts with and stays resident once touched; 16 MB fits
 * inside that first allocation. The data files are read through the operating system's cache,
 * so a page that falls out of this one is a read call away, not a disk seek.
 */
const DEFAULT_SHARED_BUFFERS_MB = 16;

/** Publish a signal inside a transaction (or not): Postgres delivers it on commit only. */
export async function signal(db: Kysely<Database>, topic: string, id?: string): Promise<void> {
  const payload = JSON.stringify(id === undefined ? { topic } : { topic, id });
  await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(db);
}

/** Publish one signal per id, in one statement (inside a transaction: delivered on commit). */
export async function signalEach(db: Kysely<Database>, topic: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const payloads = ids.map((id) => JSON.stringify({ topic, id }));
  await sql`select pg_notify(${CHANNEL}, payload) from unnest(${payloads}::text[]) as payload`.execute(db);
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
  if (options.databaseUrl) return openPostgres(options.databaseUrl, handlers, options, dispatch);
  return openPglite(options.dataDir, options.sharedBuffersMb ?? DEFAULT_SHARED_BUFFERS_MB, handlers, dispatch);
}

/**
 * A new data directory is made by initdb, which PGlite runs in a WebAssembly instance of its own.
 * Once PGlite is ready that instance is garbage, but its memory (about 250 MB) goes back to the
 * system only when a full collection runs, which an idle server may not see for hours. On the
 * first start, one is run at once. (Node has no call for it without --expose-gc: the flag is set
 * for the one call and cleared again.)
 */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  try {
    (vm.runInNewContext('gc') as () => void)();
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

async function openPglite(dataDir: string, sharedBuffersMb: number, handlers: SignalHandler[], dispatch: (p?: string) => void): Promise<Storage> {
  const { PGlite } = await import('@electric-sql/pglite');
  const settings = { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffersMb}MB`] };
  let pglite;
  let unlock = async () => {};
  let initialised = false;
  if (dataDir === 'memory://') {
    pglite = new PGlite(settings);
  } else {
    const dir = path.join(dataDir, 'pgdata');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    unlock = await lockDataDir(dataDir);
    initialised = !existsSync(path.join(dir, 'PG_VERSION'));
    pglite = new PGlite(dir, settings);
  }
  try {
    await pglite.waitReady;
  } catch (error) {
    await unlock();
    throw error;
  }
  if (initialised) collectGarbage();
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

async function openPostgres(url: string, handlers: SignalHandler[], options: StorageOptions, dispatch: (p?: string) => void): Promise<Storage> {
  const log = options.log;
  await waitForDatabase(url, options.waitSeconds ?? 0, log);
  // A request must hear "unavailable" within about two seconds of the database going away, not
  // queue behind a connect that cannot succeed (see errors.ts for how that becomes a 503).
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  pool.on('error', () => {}); // idle client errors surface on the next query instead
  // pg-pool listens for a client's errors only while it is idle. One checked out (a transaction
  // between statements) whose backend dies would emit 'error' to no one, which ends the process;
  // with this listener the failure surfaces on its next statement instead.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareMarked(client);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const listener = new Listener(url, dispatch, log);
  await listener.start();
  return {
    db,
    kind: 'postgres',
    onSignal: (h) => void handlers.push(h),
    sync: () => listener.sync(),
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

const CONNECT_TIMEOUT_MS = 1500;
/** The listening connection's application_name in pg_stat_activity. */
export const LISTENER_NAME = 'gatehouse-listener';
const BACKOFF_MS = [250, 500, 1000, 2000, 5000]; // then 5 s for as long as it takes

/**
 * The LISTEN connection. It reconnects for as long as the process lives, with capped backoff;
 * after every reconnect it dispatches RESYNC, since whatever was signalled while it was away is
 * lost, and every cache must drop what it holds and re-read.
 */
class Listener {
  #url: string;
  #dispatch: (payload?: string) => void;
  #log: Logger | undefined;
  #client: pg.Client | undefined;
  #closed = false;
  #connected: Promise<void> = Promise.resolve();
  #arrived: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(url: string, dispatch: (payload?: string) => void, log: Logger | undefined) {
    this.#url = url;
    this.#dispatch = dispatch;
    this.#log = log;
  }

  /** The first connection: its failure fails start-up (openStorage waited for the database already). */
  async start(): Promise<void> {
    this.#client = await this.#open();
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.#url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
      application_name: LISTENER_NAME,
    });
    client.on('notification', (msg) => this.#dispatch(msg.payload));
    const lost = (err?: Error) => this.#lost(client, err);
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      return client;
    } catch (error) {
      client.end().catch(() => {});
      throw error;
    }
  }

  #lost(client: pg.Client, err?: Error): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    client.end().catch(() => {});
    if (this.#closed) return;
    this.#log?.warn(
      { err: err ? { message: err.message, code: (err as { code?: string }).code } : undefined },
      'database signal listener lost; reconnecting (every cache is dropped when it is back)',
    );
    this.#connected = new Promise<void>((resolve) => (this.#arrived = resolve));
    this.#reconnect().catch(() => {});
  }

  async #reconnect(): Promise<void> {
    for (let attempt = 0; !this.#closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]).unref());
      if (this.#closed) return;
      let client: pg.Client;
      try {
        client = await this.#open();
      } catch {
        continue;
      }
      if (this.#closed) {
        await client.end().catch(() => {});
        return;
      }
      this.#client = client;
      this.#log?.info({ attempts: attempt + 1 }, 'database signal listener connected again; dropping every cache');
      // Before anyone is told the listener is back: caches drop what a missed signal may have changed.
      this.#dispatch(JSON.stringify({ topic: RESYNC }));
      this.#arrived?.();
      return;
    }
  }

  /**
   * Resolves once every signal committed before the call has reached this instance's handlers: a
   * round trip on the listening connection, for PostgreSQL sends the notifications queued for it
   * before the answer. Callers that come while one is in flight share the next one. While the
   * listener is away it waits briefly for its return, then refuses: success would be a lie.
   */
  sync(): Promise<void> {
    if (this.#closed) return Promise.reject(new DatabaseUnavailable('the storage is closed'));
    if (!this.#client) return this.#awaitListener().then(() => this.sync());
    if (!this.#running) {
      const client = this.#client;
      this.#running = withDeadline(
        client.query('select 1').then(() => {}),
        SYNC_DEADLINE_MS,
      )
        .catch(() => {
          throw new DatabaseUnavailable('the database signal listener is not answering');
        })
        .finally(() => (this.#running = undefined));
      return this.#running;
    }
    this.#queued ??= this.#running
      .catch(() => {})
      .then(() => {
        this.#queued = undefined;
        return this.sync();
      });
    return this.#queued;
  }

  #awaitListener(): Promise<void> {
    return withDeadline(this.#connected, SYNC_DEADLINE_MS).catch(() => {
      throw new DatabaseUnavailable('the database signal listener is reconnecting');
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    this.#arrived?.();
    await client?.end().catch(() => {});
  }
}

const SYNC_DEADLINE_MS = 1500;

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('deadline passed')), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Start-up may come before the database (a compose file starts both at once): try for
 * `waitSeconds`, saying why each attempt failed, then give up naming DATABASE_URL and the cause.
 */
async function waitForDatabase(url: string, waitSeconds: number, log: Logger | undefined): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end().catch(() => {});
      return;
    } catch (error) {
      await client.end().catch(() => {});
      const cause = describeCause(error);
      if (Date.now() >= deadline) {
        throw new ConfigError(
          'DATABASE_URL',
          `cannot reach the database at ${redactUrl(url)}: ${cause}` +
            (waitSeconds > 0 ? ` (waited ${waitSeconds} s; GATEHOUSE_DB_WAIT_SECONDS sets how long)` : ''),
        );
      }
      log?.warn({ database: redactUrl(url), cause }, 'waiting for the database');
      await new Promise((resolve) => setTimeout(resolve, Math.min(BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)], Math.max(0, deadline - Date.now()))));
    }
  }
}

/** `ECONNREFUSED 127.0.0.1:5999`, `database "x" does not exist`: the cause in an operator's words. */
function describeCause(error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: unknown[]; address?: string; port?: number };
  if (Array.isArray(e?.errors) && e.errors.length) return describeCause(e.errors[0]);
  if (e?.code && /^E[A-Z]+$/.test(e.code) && e.address) return `${e.code} ${e.address}${e.port ? `:${e.port}` : ''}`;
  return e?.message ?? String(error);
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'DATABASE_URL (unparsable)';
  }
}
