// Signing keys: the JWKS publishes the next key before it signs anything, rotation (admin API
// and `gatehouse keys rotate`) needs no restart, tokens signed by the previous key keep
// verifying until they expire, and private halves are sealed at rest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { ADMIN_TOKEN, admin, basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const ISSUER = 'http://gatehouse.test';

type Key = { kid: string; alg: string; status: 'next' | 'current' | 'previous'; expires_at: string | null };

let g: TestGatehouse;
let c: { client_id: string; client_secret: string };

before(async () => {
  g = await startGatehouse();
  c = await createClient(g);
});
after(() => g.stop());

async function issue(): Promise<string> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.client_id, c.client_secret) },
    payload: 'grant_type=client_credentials',
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token;
}

async function jwks(): Promise<JWK[]> {
  const res = await g.app.inject({ method: 'GET', url: '/oauth/jwks' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/jwk-set\+json/);
  return res.json().keys;
}

async function keys(): Promise<Key[]> {
  const res = await g.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().keys;
}

async function verifies(token: string): Promise<boolean> {
  const set = createLocalJWKSet({ keys: await jwks() });
  return jwtVerify(token, set, { issuer: ISSUER, audience: ISSUER, typ: 'at+jwt' }).then(
    () => true,
    () => false,
  );
}

async function active(token: string): Promise<boolean> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.client_id, c.client_secret) },
    payload: `token=${token}`,
  });
  return res.json().active;
}

const byStatus = (list: Key[], status: Key['status']) => list.filter((k) => k.status === status);

test('the JWKS publishes the current and the next key, public halves only', async () => {
  const published = await jwks();
  const listed = await keys();
  assert.equal(published.length, 2);
  assert.equal(byStatus(listed, 'current').length, 1);
  assert.equal(byStatus(listed, 'next').length, 1);
  assert.deepEqual(new Set(published.map((k) => k.kid)), new Set(listed.map((k) => k.kid)));
  for (const k of published) {
    assert.equal(k.kty, 'EC');
    assert.equal(k.crv, 'P-256');
    assert.equal(k.alg, 'ES256');
    assert.equal(k.use, 'sig');
    assert.equal(k.d, undefined, 'no private component');
  }
  assert.equal(decodeProtectedHeader(await issue()).kid, byStatus(listed, 'current')[0].kid);
  const rows = await g.services.storage.db.selectFrom('signing_keys').select(['kid', 'private_key']).execute();
  for (const row of rows) {
    assert.match(row.private_key, /^v1\./, 'sealed');
    assert.ok(!row.private_key.includes('PRIVATE KEY'));
  }
});

test('rotation: next becomes current, the old current stays verifiable, a new next is published', async () => {
  const before = await keys();
  const oldCurrent = byStatus(before, 'current')[0];
  const oldNext = byStatus(before, 'next')[0];
  const oldToken = await issue();
  await g.services.audit.flush();

  const unauthorized = await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate' });
  assert.equal(unauthorized.statusCode, 401);
  assert.deepEqual(await keys(), before, 'a refused rotation changes nothing');

  const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const after: Key[] = res.json().keys;
  assert.equal(byStatus(after, 'current')[0].kid, oldNext.kid, 'the pre-published key signs now');
  const previous = byStatus(after, 'previous');
  assert.deepEqual(
    previous.map((k) => k.kid),
    [oldCurrent.kid],
  );
  // Kept for the longest token lifetime (3600 s) plus a minute.
  const keptFor = (Date.parse(previous[0].expires_at!) - Date.now()) / 1000;
  assert.ok(keptFor > 3600 && keptFor <= 3661, String(keptFor));
  const newNext = byStatus(after, 'next')[0];
  assert.ok(![oldCurrent.kid, oldNext.kid].includes(newNext.kid));

  const published = await jwks();
  assert.deepEqual(new Set(published.map((k) => k.kid)), new Set([oldCurrent.kid, oldNext.kid, newNext.kid]), 'previous, current and next');
  assert.ok(await verifies(oldToken), 'the old token verifies with jose against the new JWKS');
  assert.equal(await active(oldToken), true, 'and introspects active');
  const newToken = await issue();
  assert.equal(decodeProtectedHeader(newToken).kid, oldNext.kid);
  assert.ok(await verifies(newToken));

  await g.services.audit.flush();
  const events = await g.services.storage.db.selectFrom('audit_events').selectAll().where('action', '=', 'key.rotated').execute();
  assert.equal(events.length, 1);
  assert.equal(events[0].details.current, oldNext.kid);
  assert.equal(events[0].actor, 'admin');
});

test('a retired key leaves the JWKS once its tokens have expired, and its tokens die with it', async () => {
  const tokenA = await issue();
  const kidA = decodeProtectedHeader(tokenA).kid!;
  await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin });
  const tokenB = await issue();
  // Two generations back are still verifiable until they expire.
  assert.equal(byStatus(await keys(), 'previous').length, 2);
  assert.ok(await verifies(tokenA));
  assert.ok(await verifies(tokenB));
  // Time passes for key A: its window closes.
  await g.services.storage.db
    .updateTable('signing_keys')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('kid', '=', kidA)
    .execute();
  await g.services.keystore.reload();
  assert.ok(!(await jwks()).some((k) => k.kid === kidA));
  assert.equal(await active(tokenA), false);
  assert.equal(await verifies(tokenA), false);
  assert.equal(await active(tokenB), true);
});

test('`gatehouse keys list` and `keys rotate` call the running server', async () => {
  const address = await g.app.listen({ port: 0, host: '127.0.0.1' });
  const env = { ...process.env, GATEHOUSE_URL: address, GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN };
  const before = await keys();
  const current = byStatus(before, 'current')[0];
  const next = byStatus(before, 'next')[0];
  const token = await issue();

  const listed = await run(process.execPath, [MAIN, 'keys', 'list'], { env });
  assert.match(listed.stdout, /^KID\s+ALG\s+STATUS/);
  assert.ok(listed.stdout.includes(current.kid) && listed.stdout.includes(next.kid));

  const rotated = await run(process.execPath, [MAIN, 'keys', 'rotate', '--json'], { env });
  const body = JSON.parse(rotated.stdout) as { keys: Key[] };
  assert.equal(byStatus(body.keys, 'current')[0].kid, next.kid);
  assert.ok(byStatus(body.keys, 'previous').some((k) => k.kid === current.kid));
  // No restart: the server signs with the new key at once, and the old token still verifies.
  assert.equal(decodeProtectedHeader(await issue()).kid, next.kid);
  assert.ok(await verifies(token));
  assert.equal(await active(token), true);

  const denied = await run(process.execPath, [MAIN, 'keys', 'rotate'], { env: { ...env, GATEHOUSE_ADMIN_TOKEN: 'not-the-admin-token' } }).catch((e) => e);
  assert.equal(denied.code, 1);
  assert.match(denied.stderr, /401/);
  assert.equal(byStatus(await keys(), 'current')[0].kid, next.kid, 'a refused rotation changes nothing');
});
