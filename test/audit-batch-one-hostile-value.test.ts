// Audit events are written in batches, so one value PostgreSQL cannot store (a lone surrogate or a
// NUL, which any unauthenticated JSON body can carry) must not fail the batch and lose the
// events recorded beside it, such as an admin's client.created. A row the database refuses even
// so is written row by row and loses only itself (counted as refused). On PostgreSQL, events
// recorded while the database refuses connections are held, up to MAX_HELD, and written when it
// is back; what did not fit, and what is still held at shutdown, is counted in
// gatehouse_audit_dropped_total. A burst recorded while the database is away costs one write
// attempt, not one per event, and a connection cut while a write is out neither crashes the
// process nor loses the events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, connect as connectTcp, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { Audit, MAX_HELD } from '../src/audit/audit.ts';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { openStorage, type Storage } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { createLogger } from '../src/logger.ts';
import { admin, createTestDatabase, onPostgres, startGatehouse, testConfig, type TestGatehouse } from './helpers.ts';

const REPLACEMENT = '\uFFFD';

interface AuditRow {
  id: string;
  action: string;
  actor: string | null;
  client_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

async function auditEvents(g: Gatehouse, query = ''): Promise<AuditRow[]> {
  const res = await g.app.inject({ method: 'GET', url: `/admin/api/v1/audit-events?limit=1000${query}`, headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().events;
}

test("token requests with a lone surrogate and a NUL, sent with an admin's client creation: the requests are refused naming the field, the client.created event is kept, and hostile values that do reach the audit are stored replaced", async () => {
  const g: TestGatehouse = await startGatehouse();
  try {
    const json = (payload: string) => g.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload });
    // JSON text with \u escapes: the parsed strings hold an unpaired surrogate and a NUL.
    const [surrogate, nul, nulClient, created] = await Promise.all([
      json('{"grant_type":"\\ud800"}'),
      json('{"grant_type":"a\\u0000b"}'),
      json('{"grant_type":"client_credentials","client_id":"x\\u0000y","client_secret":"\\udfff"}'),
      g.app.inject({
        method: 'POST',
        url: '/admin/api/v1/clients',
        headers: admin,
        payload: { name: 'made beside hostile requests', grant_types: ['client_credentials'], scopes: ['read'] },
      }),
    ]);
    for (const [res, field] of [
      [surrogate, 'grant_type'],
      [nul, 'grant_type'],
      [nulClient, 'client_id'],
    ] as const) {
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, 'invalid_request');
      assert.match(res.json().error_description, new RegExp(`body/${field}`));
    }
    assert.equal(created.statusCode, 201, created.body);
    const clientId = created.json().client_id as string;
    // What still reaches the audit from outside (a vendor's answer, a header) is made storable
    // there too: recorded in the same batch as a normal event, both are kept.
    g.services.audit.record({
      action: 'token.refused',
      outcome: 'failure',
      actor: 'x\u0000y',
      ip: '127.0.0.1',
      details: { grant_type: '\ud800', other: 'a\u0000b' },
    });
    g.services.audit.record({ action: 'client.inspected', outcome: 'success', actor: 'admin', ip: '127.0.0.1', details: { client_id: clientId } });
    await g.services.audit.flush();

    const events = await auditEvents(g);
    const made = events.filter((e) => e.action === 'client.created' && e.client_id === clientId);
    assert.equal(made.length, 1, `client.created is in the audit log: ${JSON.stringify(events.map((e) => e.action))}`);
    assert.ok(
      events.some((e) => e.action === 'client.inspected'),
      'the event beside the hostile one is kept',
    );
    const refused = events.filter((e) => e.action === 'token.refused');
    const recorded = refused.filter((e) => e.details.other !== undefined);
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0].details.grant_type, REPLACEMENT, 'the lone surrogate became U+FFFD');
    assert.equal(recorded[0].details.other, `a${REPLACEMENT}b`, 'the NUL became U+FFFD, the rest kept');
    assert.equal(recorded[0].actor, `x${REPLACEMENT}y`);
    for (const e of refused) {
      for (const value of [e.actor, e.client_id, e.ip, JSON.stringify(e.details)]) {
        if (value !== null) assert.ok(!value.includes('\0') && value.isWellFormed(), `stored as storable text: ${JSON.stringify(value)}`);
      }
    }
  } finally {
    await g.stop();
  }
});

/** A real database, migrated (PGlite in memory, or a throwaway PostgreSQL database). */
async function migratedStorage(): Promise<{ storage: Storage; url: string | undefined; drop: () => Promise<void> }> {
  const database = await createTestDatabase();
  const storage = await openStorage({ databaseUrl: database.url, dataDir: 'memory://' });
  await migrate(storage.db);
  return {
    storage,
    url: database.url,
    async drop() {
      await storage.close();
      await database.drop();
    },
  };
}

function recorder() {
  const warnings: unknown[] = [];
  const errors: unknown[] = [];
  const dropped: [number, string][] = [];
  return {
    warnings,
    errors,
    dropped,
    options: {
      log: { warn: (...args: unknown[]) => void warnings.push(args), error: (...args: unknown[]) => void errors.push(args) } as never,
      onDropped: (count: number, reason: string) => void dropped.push([count, reason]),
    },
  };
}

test('Audit, row by row: a batch holding a row the database refuses stores every other row and drops only that one, counted as refused', async () => {
  const { storage, drop } = await migratedStorage();
  const seen = recorder();
  const audit = new Audit(storage.db, seen.options);
  try {
    for (let i = 0; i < 10; i++) audit.record({ action: 'test.before', outcome: 'success', details: { i } });
    // Outside values the database cannot take as they are: made storable as they are recorded.
    audit.record({ action: 'test.hostile', outcome: 'failure', actor: 'a\0b', clientId: '\ud800', ip: '\udc00::1', details: { ['k\0']: ['\ud83d', 'x\0'] } });
    // An index entry PostgreSQL cannot build (SQLSTATE 54000): refused whatever is replaced.
    audit.record({ action: `test.${randomBytes(15_000).toString('base64')}`, outcome: 'success' });
    for (let i = 0; i < 10; i++) audit.record({ action: 'test.after', outcome: 'success', details: { i } });
    await audit.flush();
    assert.equal(audit.pending, 0);

    const rows = await storage.db.selectFrom('audit_events').select(['action', 'actor', 'client_id', 'ip', 'details']).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => r.action),
      [...Array(10).fill('test.before'), 'test.hostile', ...Array(10).fill('test.after')],
    );
    assert.deepEqual(
      rows.filter((r) => r.action !== 'test.hostile').map((r) => (r.details as { i: number }).i),
      [...Array(10).keys(), ...Array(10).keys()],
    );
    const hostile = rows.find((r) => r.action === 'test.hostile')!;
    assert.equal(hostile.actor, `a${REPLACEMENT}b`);
    assert.equal(hostile.client_id, REPLACEMENT);
    assert.equal(hostile.ip, `${REPLACEMENT}::1`);
    assert.deepEqual(hostile.details, { [`k${REPLACEMENT}`]: [REPLACEMENT, `x${REPLACEMENT}`] });
    assert.deepEqual(seen.dropped, [[1, 'refused']]);
    assert.equal(seen.errors.length, 1, 'the lost event is logged');

    // The audit is not left stuck: the next batch goes straight in.
    audit.record({ action: 'test.later', outcome: 'success' });
    await audit.flush();
    assert.equal((await storage.db.selectFrom('audit_events').select('id').where('action', '=', 'test.later').execute()).length, 1);
  } finally {
    await audit.close();
    await drop();
  }
});

test('Audit, database away: a burst recorded before the first write fails is one write attempt per batch taken, not one per event past the batch size', async () => {
  // Nothing listens on port 1: every connection attempt fails at once, as with a database that
  // refuses connections. Attempts are counted where the driver asks the pool for a connection.
  const pool = new pg.Pool({ connectionString: 'postgres://gatehouse@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
  pool.on('error', () => {});
  let attempts = 0;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) => {
    attempts++;
    return connect(...args);
  }) as typeof pool.connect;
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const seen = recorder();
  const audit = new Audit(db, seen.options);
  try {
    for (let i = 0; i < 5_000; i++) audit.record({ action: 'test.burst', outcome: 'success', details: { i } });
    await audit.flush();
    assert.equal(audit.pending, 5_000, 'everything is held');
    assert.ok(attempts <= 3, `${attempts} write attempts for one burst`);
    assert.equal(seen.errors.length, 1, 'the outage is logged once');
  } finally {
    await audit.close();
    await db.destroy();
  }
  assert.deepEqual(seen.dropped, [[5_000, 'shutdown']]);
});

// ---- PostgreSQL only: the database refusing connections ----

const base = process.env.TEST_DATABASE_URL;
const nameOf = (url: string) => new URL(url).pathname.slice(1);

/** Make `url`'s database refuse connections and close those it has, or let it take them again. */
async function setConnections(url: string, allowed: boolean): Promise<void> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    const name = nameOf(url);
    assert.match(name, /^gh_test_[0-9a-f]+$/, 'only a throwaway database of this test is blocked');
    await c.query(`alter database ${name} allow_connections ${allowed}`);
    if (!allowed) await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  } finally {
    await c.end();
  }
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function droppedMetric(text: string, reason: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`gatehouse_audit_dropped_total{reason="${reason}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

test(
  'database refusing connections: audit events are held in the bounded buffer and written when it is back; the overflow is counted',
  { skip: !onPostgres && 'PostgreSQL only' },
  async () => {
    const database = await createTestDatabase();
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const g = await buildApp(testConfig({}, database.url), { logger: createLogger('warn', stream) });
    let blocked = false;
    try {
      await g.app.ready();
      const { audit } = g.services;
      await audit.flush();
      await setConnections(database.url!, false);
      blocked = true;
      assert.equal((await g.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503, 'the database is really away');

      // More events than the buffer holds: the oldest (fillers 0..) go first.
      const OVER = 10;
      for (let i = 0; i < MAX_HELD + OVER; i++) audit.record({ action: 'test.filler', outcome: 'success', details: { i } });
      // Requests that are audited without touching the database, made while it is away.
      const http = [];
      for (let i = 0; i < 3; i++) {
        http.push(
          await g.app.inject({
            method: 'POST',
            url: '/oauth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: `grant_type=held-${i}`,
          }),
        );
      }
      http.push(await g.app.inject({ method: 'GET', url: '/admin/api/v1/clients', headers: { authorization: 'Bearer not-the-admin-token' } }));
      assert.deepEqual(
        http.map((r) => r.statusCode),
        [400, 400, 400, 401],
      );
      await audit.flush();
      assert.equal(audit.pending, MAX_HELD, 'held up to the bound');
      const overflow = OVER + http.length;
      assert.equal(droppedMetric((await g.app.inject({ method: 'GET', url: '/metrics' })).body, 'held_overflow'), overflow);

      await setConnections(database.url!, true);
      blocked = false;
      await until('the held events to be written', async () => {
        await audit.flush();
        return audit.pending === 0;
      });

      const refused = await auditEvents(g, '&action=token.refused');
      assert.deepEqual(refused.map((e) => e.details.grant_type as string).sort(), ['held-0', 'held-1', 'held-2']);
      assert.equal((await auditEvents(g, '&action=admin.auth_failed')).length, 1);
      const fillers = await g.services.storage.db
        .selectFrom('audit_events')
        .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.min(eb.cast<number>(eb.ref('details', '->>').key('i' as never), 'integer')).as('first')])
        .where('action', '=', 'test.filler')
        .executeTakeFirstOrThrow();
      assert.equal(Number(fillers.n), MAX_HELD - http.length, 'the newest events were kept');
      assert.equal(Number(fillers.first), overflow, 'the oldest were dropped');
      const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(droppedMetric(metrics, 'held_overflow'), overflow, 'nothing else was lost');
      assert.equal(droppedMetric(metrics, 'refused'), 0);
      assert.equal(lines.filter((l) => String(l.msg).startsWith('could not write audit events')).length, 1, 'one error for the outage');
      assert.equal(lines.filter((l) => String(l.msg).startsWith('the database is back')).length, 1, 'one warning when it is back');
    } finally {
      if (blocked) await setConnections(database.url!, true);
      await g.close();
      await database.drop();
    }
  },
);

test('database refusing connections at shutdown: events still held are counted as dropped (shutdown)', { skip: !onPostgres && 'PostgreSQL only' }, async () => {
  const { url, drop } = await migratedStorage();
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const seen = recorder();
  const audit = new Audit(db, seen.options);
  let blocked = false;
  try {
    await setConnections(url!, false);
    blocked = true;
    for (let i = 0; i < 3; i++) audit.record({ action: 'test.unwritten', outcome: 'success' });
    await audit.close();
    assert.deepEqual(seen.dropped, [[3, 'shutdown']]);
    assert.equal(audit.pending, 0);
  } finally {
    if (blocked) await setConnections(url!, true);
    await db.destroy();
    await drop();
  }
});

/** A TCP relay to PostgreSQL that can cut every connection through it, as a network failure would. */
async function relay(target: URL): Promise<{ url: (database: string) => string; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = connectTcp(Number(target.port || 5432), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url(database) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.pathname = `/${database}`;
      return u.toString();
    },
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test(
  'a connection cut in the middle of an audit write: the write fails without crashing the process, the events are held and written later',
  { skip: !onPostgres && 'PostgreSQL only' },
  async () => {
    const database = await createTestDatabase();
    const net = await relay(new URL(base!));
    const storage = await openStorage({ databaseUrl: net.url(nameOf(database.url!)), dataDir: 'memory://' });
    await migrate(storage.db);
    const seen = recorder();
    const audit = new Audit(storage.db, seen.options);
    // A lock makes the write wait, so that its connection is cut while the query is out.
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    const control = new pg.Client({ connectionString: base });
    await control.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table audit_events in access exclusive mode');
      for (let i = 0; i < 3; i++) audit.record({ action: 'test.interrupted', outcome: 'success', details: { i } });
      const flushing = audit.flush();
      await until(
        'the write to wait on the lock',
        async () =>
          (await control.query("select 1 from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", [nameOf(database.url!)])).rowCount! > 0,
      );
      net.cut();
      await flushing;
      assert.equal(audit.pending, 3, 'held, not lost');
      await locker.query('commit');
      await until('the held events to be written', async () => {
        await audit.flush();
        return audit.pending === 0;
      });
      // A write whose connection was lost may still have committed (the server did not see the
      // cut while it waited): such a write is ambiguous, and the events are written again rather
      // than risk losing them, so each is there at least once.
      const rows = await storage.db.selectFrom('audit_events').select('details').where('action', '=', 'test.interrupted').execute();
      assert.deepEqual(
        [...new Set(rows.map((r) => (r.details as { i: number }).i))].sort((a, b) => a - b),
        [0, 1, 2],
      );
      assert.deepEqual(seen.dropped, []);
    } finally {
      await locker.end().catch(() => {});
      await control.end();
      await audit.close();
      await storage.close();
      await net.close();
      await database.drop();
    }
  },
);
