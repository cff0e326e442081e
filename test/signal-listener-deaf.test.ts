// The signal listener's contract, seen directly: sync() refuses while the listener is away rather
// than report a success it cannot vouch for, the listener comes back however many attempts it
// takes, a resync reaches every handler when it does, and a cached row dies of age without a signal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { LISTENER_NAME, RESYNC, openStorage, signal, type Signal } from '../src/db/index.ts';
import { DatabaseUnavailable } from '../src/db/errors.ts';
import { LoadingCache } from '../src/db/cache.ts';
import { createTestDatabase, onPostgres } from './helpers.ts';

test(
  'sync() refuses while the listener is away, and the listener returns after many failed attempts',
  { skip: !onPostgres && 'needs PostgreSQL' },
  async () => {
    const database = await createTestDatabase();
    const name = new URL(database.url!).pathname.slice(1);
    const control = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await control.connect();
    const storage = await openStorage({ databaseUrl: database.url, dataDir: 'memory://' });
    const seen: Signal[] = [];
    storage.onSignal((s) => seen.push(s));
    try {
      await storage.sync();
      await control.query(`alter database ${name} allow_connections false`);
      await control.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = $2', [name, LISTENER_NAME]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await assert.rejects(storage.sync(), DatabaseUnavailable);
      await new Promise((resolve) => setTimeout(resolve, 4000)); // several refused reconnects
      await assert.rejects(storage.sync(), DatabaseUnavailable);
      assert.ok(!seen.some((s) => s.topic === RESYNC), 'no resync while still away');
      await control.query(`alter database ${name} allow_connections true`);
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await storage.sync();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      assert.ok(
        seen.some((s) => s.topic === RESYNC),
        'handlers were told to drop what they hold',
      );
      // And signals flow again.
      await signal(storage.db, 'client', 'abc');
      await storage.sync();
      assert.ok(seen.some((s) => s.topic === 'client' && s.id === 'abc'));
    } finally {
      await control.query(`alter database ${name} allow_connections true`).catch(() => {});
      await control.end();
      await storage.close();
      await database.drop();
    }
  },
);

test('a cached value dies of age without any signal, and failures and unkept values are never cached', async () => {
  let now = 0;
  let loads = 0;
  const cache = new LoadingCache<string | undefined>({ keep: (v) => v !== undefined, lifetimeMs: 60_000, now: () => now });
  const load = async () => `v${++loads}`;
  assert.equal(await cache.get('k', load), 'v1');
  now = 59_999;
  assert.equal(await cache.get('k', load), 'v1');
  now = 60_000;
  assert.equal(await cache.get('k', load), 'v2', 'reloaded after its lifetime');
  await assert.rejects(
    cache.get('bad', async () => {
      throw new Error('db away');
    }),
  );
  assert.equal(await cache.get('bad', async () => 'ok'), 'ok', 'a failure was not kept');
  assert.equal(await cache.get('missing', async () => undefined), undefined);
  assert.equal(await cache.get('missing', async () => 'now here'), 'now here', 'an unkept miss is looked up again');
  const [a, b] = await Promise.all([cache.get('shared', load), cache.get('shared', load)]);
  assert.equal(a, b, 'concurrent callers share one load');
});
