// Two Gatehouse instances over one PostgreSQL: what one changes, the other sees at once
// (revocations, key rotations, client changes), and concurrent migrations apply once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { openStorage } from '../src/db/index.ts';
import { migrate } from '../src/db/migrate.ts';
import { admin, basic, createClient, createTestDatabase, onPostgres, testConfig } from './helpers.ts';

const FORM = 'application/x-www-form-urlencoded';
let a: Gatehouse;
let b: Gatehouse;
let drop: () => Promise<void> = async () => {};

before(async () => {
  if (!onPostgres) return;
  const database = await createTestDatabase();
  drop = database.drop;
  a = await buildApp(testConfig({}, database.url));
  b = await buildApp(testConfig({}, database.url));
});
after(async () => {
  if (!onPostgres) return;
  await a.close();
  await b.close();
  await drop();
});

const post = (g: Gatehouse, url: string, c: { client_id: string; client_secret: string }, payload: string) =>
  g.app.inject({ method: 'POST', url, headers: { authorization: basic(c.client_id, c.client_secret), 'content-type': FORM }, payload });
const issue = async (g: Gatehouse, c: { client_id: string; client_secret: string }) => (await post(g, '/oauth/token', c, 'grant_type=client_credentials')).json().access_token as string;

test('a JWT revoked on one instance is inactive on the other at once', { skip: !onPostgres && 'needs PostgreSQL' }, async () => {
  const c = await createClient(a);
  const token = await issue(a, c);
  assert.equal((await post(b, '/oauth/introspect', c, `token=${token}`)).json().active, true);
  assert.equal((await post(a, '/oauth/revoke', c, `token=${token}`)).statusCode, 200);
  assert.deepEqual((await post(b, '/oauth/introspect', c, `token=${token}`)).json(), { active: false });
});

test('a key rotation on one instance is used and published by the other', { skip: !onPostgres && 'needs PostgreSQL' }, async () => {
  const c = await createClient(a);
  const before = await issue(b, c);
  const rotated = (await a.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin })).json().keys;
  const current = rotated.find((k: { status: string }) => k.status === 'current').kid;
  for (let i = 0; i < 50 && JSON.parse(b.services.keystore.jwks).keys.every((k: { kid: string }) => k.kid !== rotated.find((r: { status: string }) => r.status === 'next').kid); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const after = await issue(b, c);
  assert.equal(decodeProtectedHeader(after).kid, current, 'B signs with the new current key');
  const set = createLocalJWKSet((await b.app.inject({ method: 'GET', url: '/oauth/jwks' })).json());
  await jwtVerify(before, set);
  await jwtVerify(after, set);
  assert.equal((await post(a, '/oauth/introspect', c, `token=${after}`)).json().active, true);
  assert.equal((await post(b, '/oauth/introspect', c, `token=${before}`)).json().active, true);
});

test('client changes on one instance take effect on the other', { skip: !onPostgres && 'needs PostgreSQL' }, async () => {
  const c = await createClient(a, { scopes: ['read', 'write'] });
  assert.equal((await post(b, '/oauth/token', c, 'grant_type=client_credentials')).statusCode, 200);
  await a.app.inject({ method: 'PATCH', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin, payload: { scopes: ['read'] } });
  const wait = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
  };
  await wait(async () => (await post(b, '/oauth/token', c, 'grant_type=client_credentials')).json().scope === 'read');
  assert.equal((await post(b, '/oauth/token', c, 'grant_type=client_credentials')).json().scope, 'read');
  const rotated = (await a.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${c.client_id}/rotate-secret`, headers: admin })).json();
  await wait(async () => (await post(b, '/oauth/token', c, 'grant_type=client_credentials')).statusCode === 401);
  assert.equal((await post(b, '/oauth/token', c, 'grant_type=client_credentials')).statusCode, 401);
  assert.equal((await post(b, '/oauth/token', { client_id: c.client_id, client_secret: rotated.client_secret }, 'grant_type=client_credentials')).statusCode, 200);
  await a.app.inject({ method: 'DELETE', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin });
  const fresh = { client_id: c.client_id, client_secret: rotated.client_secret };
  await wait(async () => (await post(b, '/oauth/token', fresh, 'grant_type=client_credentials')).statusCode === 401);
  assert.equal((await post(b, '/oauth/token', fresh, 'grant_type=client_credentials')).statusCode, 401);
});

test('concurrent migrations on a fresh database apply each migration once', { skip: !onPostgres && 'needs PostgreSQL' }, async () => {
  const database = await createTestDatabase();
  const handles = await Promise.all([1, 2, 3].map(() => openStorage({ databaseUrl: database.url, dataDir: 'memory://' })));
  try {
    const applied = await Promise.all(handles.map((h) => migrate(h.db)));
    const all = applied.flat();
    assert.equal(new Set(all).size, all.length, 'no migration applied twice');
    const rows = await handles[0].db.selectFrom('gatehouse_migrations' as any).selectAll().execute();
    assert.equal(rows.length, all.length);
  } finally {
    for (const h of handles) await h.close();
    await database.drop();
  }
});
