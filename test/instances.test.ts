// Several instances over one PostgreSQL: a revocation on one holds on the other as soon as the
// revoke response is sent, key rotations and client changes are picked up everywhere, and
// instances that migrate or boot at the same moment do each step exactly once.
// PostgreSQL only: the embedded database admits a single process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { openStorage } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { admin, basic, createClient, createTestDatabase, onPostgres, testConfig } from './helpers.ts';

const FORM = 'application/x-www-form-urlencoded';
const skip = onPostgres ? false : 'needs TEST_DATABASE_URL (PostgreSQL)';

type Creds = { client_id: string; client_secret: string };

let a: Gatehouse;
let b: Gatehouse;
let drop: () => Promise<void>;

before(async () => {
  if (!onPostgres) return;
  const database = await createTestDatabase();
  drop = database.drop;
  [a, b] = await Promise.all([buildApp(testConfig({}, database.url)), buildApp(testConfig({}, database.url))]);
});
after(async () => {
  if (!onPostgres) return;
  await Promise.all([a.close(), b.close()]);
  await drop();
});

function token(g: Gatehouse, c: Creds, secret = c.client_secret) {
  return g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, secret) },
    payload: 'grant_type=client_credentials',
  });
}

async function issue(g: Gatehouse, c: Creds): Promise<string> {
  const res = await token(g, c);
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token;
}

async function active(g: Gatehouse, c: Creds, value: string): Promise<boolean> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
    payload: `token=${value}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().active;
}

async function jwks(g: Gatehouse) {
  return (await g.app.inject({ method: 'GET', url: '/oauth/jwks' })).json() as { keys: { kid: string }[] };
}

/** Poll for a change that travels by signal; fails after two seconds. */
async function eventually(what: string, check: () => Promise<boolean>) {
  const deadline = Date.now() + 2000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not seen within 2 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a JWT revoked on A is inactive on B as soon as the revoke response is sent', { skip }, async () => {
  const c = await createClient(a);
  for (let i = 0; i < 20; i++) {
    const jwt = await issue(i % 2 ? a : b, c);
    assert.equal(await active(b, c, jwt), true);
    const revoked = await a.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
      payload: `token=${jwt}`,
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(await active(b, c, jwt), false, `round ${i}: B still accepts the revoked token`);
    assert.equal(await active(a, c, jwt), false);
  }
});

test('an opaque token revoked on B is inactive on A at once', { skip }, async () => {
  const c = await createClient(b, { token_format: 'opaque' });
  const opaque = await issue(a, c);
  assert.equal(await active(b, c, opaque), true);
  const revoked = await b.app.inject({
    method: 'POST',
    url: '/oauth/revoke',
    headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
    payload: `token=${opaque}`,
  });
  assert.equal(revoked.statusCode, 200);
  assert.equal(await active(a, c, opaque), false);
});

test('a key rotation on A is seen by B: JWKS, signing key, and old tokens still verify', { skip }, async () => {
  const c = await createClient(a);
  const before = await jwks(b);
  const oldFromA = await issue(a, c);
  const oldFromB = await issue(b, c);
  assert.equal(decodeProtectedHeader(oldFromA).kid, decodeProtectedHeader(oldFromB).kid);

  const res = await a.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const keys = res.json().keys as { kid: string; status: string }[];
  const current = keys.find((k) => k.status === 'current')!.kid;
  const next = keys.find((k) => k.status === 'next')!.kid;

  // The new signing key was published as "next" before, so B verifies A's new tokens at once.
  const fromA = await issue(a, c);
  assert.equal(decodeProtectedHeader(fromA).kid, current);
  assert.ok(before.keys.some((k) => k.kid === current));
  assert.equal(await active(b, c, fromA), true);

  await eventually('B publishes the new next key', async () => (await jwks(b)).keys.some((k) => k.kid === next));
  await eventually('B signs with the new key', async () => decodeProtectedHeader(await issue(b, c)).kid === current);
  const published = await jwks(b);
  assert.deepEqual(new Set(published.keys.map((k) => k.kid)), new Set(keys.map((k) => k.kid)));
  const set = createLocalJWKSet(published);
  for (const old of [oldFromA, oldFromB]) {
    assert.equal(await active(a, c, old), true);
    assert.equal(await active(b, c, old), true);
    await jwtVerify(old, set, { typ: 'at+jwt' });
  }
  await jwtVerify(await issue(b, c), set, { typ: 'at+jwt' });
});

test('client changes on A take effect on B', { skip }, async () => {
  const c = await createClient(a, { scopes: ['read', 'write'] });
  assert.equal((await token(b, c)).json().scope, 'read write'); // B caches the client

  const patched = await a.app.inject({ method: 'PATCH', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin, payload: { scopes: ['read'] } });
  assert.equal(patched.statusCode, 200);
  await eventually('B issues the narrowed scope', async () => (await token(b, c)).json().scope === 'read');

  const rotated = await a.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${c.client_id}/rotate-secret`, headers: admin });
  const secret = rotated.json().client_secret as string;
  await eventually('B refuses the old secret', async () => (await token(b, c)).statusCode === 401);
  assert.equal((await token(b, c, secret)).statusCode, 200);

  const deleted = await a.app.inject({ method: 'DELETE', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin });
  assert.equal(deleted.statusCode, 204);
  await eventually('B refuses the deleted client', async () => (await token(b, c, secret)).statusCode === 401);
  assert.equal((await b.app.inject({ method: 'GET', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin })).statusCode, 404);
});

test('concurrent migrations and first boots on a fresh database each happen once', { skip }, async () => {
  const database = await createTestDatabase();
  try {
    const storages = await Promise.all(Array.from({ length: 4 }, () => openStorage({ databaseUrl: database.url, dataDir: 'memory://' })));
    try {
      const applied = await Promise.all(storages.map((s) => migrate(s.db)));
      const all = applied.flat();
      assert.ok(all.includes('001_foundation'));
      assert.equal(new Set(all).size, all.length, `a migration ran twice: ${JSON.stringify(applied)}`);
      const rows = await storages[0].db
        .selectFrom('gatehouse_migrations' as never)
        .selectAll()
        .execute();
      assert.equal(rows.length, all.length);
      assert.deepEqual(await Promise.all(storages.map((s) => migrate(s.db))), [[], [], [], []]);
    } finally {
      await Promise.all(storages.map((s) => s.close()));
    }
    // Three instances booting together on the migrated database create one current and one next key.
    const apps = await Promise.all(Array.from({ length: 3 }, () => buildApp(testConfig({}, database.url))));
    try {
      const keys = await apps[0].services.storage.db.selectFrom('signing_keys').select(['kid', 'status']).execute();
      assert.deepEqual(keys.map((k) => k.status).sort(), ['current', 'next']);
      const kids = await Promise.all(
        apps.map(async (g) =>
          (await jwks(g)).keys
            .map((k) => k.kid)
            .sort()
            .join(),
        ),
      );
      assert.equal(new Set(kids).size, 1, 'every instance publishes the same keys');
      // Shared background work is one pg-boss schedule per job, not a timer on every instance.
      const schedules = await sql<{ name: string }>`select name from pgboss.schedule order by name`.execute(apps[0].services.storage.db);
      assert.deepEqual(
        schedules.rows.map((r) => r.name),
        ['connection-sweep', 'purge-expired', 'webhook-retention'],
      );
    } finally {
      await Promise.all(apps.map((g) => g.close()));
    }
  } finally {
    await database.drop();
  }
});
