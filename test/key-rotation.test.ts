// Signing-key rotation without a restart: the next key is published before it signs, the
// retired key stays in the JWKS so tokens it signed keep verifying and introspecting, and new
// tokens carry the new kid.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { auditSince, basicAuth, introspect, ISSUER, issueToken, jwks, post, snapshot, type Credentials } from './oauth-helpers.ts';

let g: TestGatehouse;
let c: Credentials;
let rs: Credentials;

before(async () => {
  g = await startGatehouse();
  c = await createClient(g, { name: 'nightly export', scopes: ['read'] });
  rs = await createClient(g, { name: 'resource server', scopes: [] });
});
after(() => g.stop());

interface KeyInfo { kid: string; status: 'next' | 'current' | 'previous'; alg: string; expires_at: string | null }

async function rotate(): Promise<KeyInfo[]> {
  const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().keys;
}

const kidOf = (keys: KeyInfo[], status: KeyInfo['status']) => keys.filter((k) => k.status === status).map((k) => k.kid);

test('rotation: the next key becomes current, the old one stays published and keeps its tokens valid', async () => {
  const old = await issueToken(g, c);
  const oldKid = decodeProtectedHeader(old.access_token).kid!;
  const listed: KeyInfo[] = (await g.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: admin })).json().keys;
  assert.deepEqual(kidOf(listed, 'current'), [oldKid]);
  const [nextKid] = kidOf(listed, 'next');
  const published = (await jwks(g)).keys.map((k) => k.kid);
  assert.deepEqual(published.sort(), [oldKid, nextKid].sort(), 'the next key is published before it signs anything');

  const before = await snapshot(g);
  const keys = await rotate();
  assert.deepEqual(kidOf(keys, 'current'), [nextKid]);
  assert.deepEqual(kidOf(keys, 'previous'), [oldKid]);
  const [newNext] = kidOf(keys, 'next');
  assert.ok(newNext && newNext !== oldKid && newNext !== nextKid, 'a fresh next key');
  const previous = keys.find((k) => k.kid === oldKid)!;
  assert.ok(new Date(previous.expires_at!).getTime() >= Date.now() + 3600_000, 'kept at least as long as its tokens live');
  const events = await auditSince(g, before.lastAuditId);
  assert.deepEqual(events.map((e) => [e.action, e.outcome]), [['key.rotated', 'success']]);
  assert.equal(events[0].details.current, nextKid);

  const after = await jwks(g);
  assert.deepEqual(after.keys.map((k) => k.kid).sort(), [oldKid, nextKid, newNext].sort(), 'previous, current and next');
  const { payload } = await jwtVerify(old.access_token, after.keySet, { issuer: ISSUER, audience: ISSUER, typ: 'at+jwt' });
  assert.equal(payload.client_id, c.client_id);
  const introspected = await introspect(g, rs, old.access_token);
  assert.equal(introspected.active, true);
  assert.equal(introspected.client_id, c.client_id);

  const fresh = await issueToken(g, c);
  assert.equal(decodeProtectedHeader(fresh.access_token).kid, nextKid, 'new tokens use the new current key');
  await jwtVerify(fresh.access_token, after.keySet, { issuer: ISSUER, typ: 'at+jwt' });
  assert.equal((await introspect(g, rs, fresh.access_token)).active, true);
});

test('several rotations in a row: every key whose tokens may still be live stays verifiable', async () => {
  const first = await issueToken(g, c);
  const firstKid = decodeProtectedHeader(first.access_token).kid!;
  await rotate();
  const second = await issueToken(g, c);
  const keys = await rotate();
  assert.equal(kidOf(keys, 'current').length, 1);
  assert.equal(kidOf(keys, 'next').length, 1);
  assert.ok(kidOf(keys, 'previous').includes(firstKid));
  const { keySet, keys: published } = await jwks(g);
  assert.deepEqual(published.map((k) => k.kid).sort(), keys.map((k) => k.kid).sort(), 'the JWKS publishes exactly the listed keys');
  for (const issued of [first, second]) {
    await jwtVerify(issued.access_token, keySet, { issuer: ISSUER, typ: 'at+jwt' });
    assert.equal((await introspect(g, rs, issued.access_token)).active, true);
  }
  // Revocation still works for a token signed by a retired key.
  const revoked = await g.app.inject(post('/oauth/revoke', `token=${first.access_token}`, basicAuth(c)));
  assert.equal(revoked.statusCode, 200);
  assert.deepEqual(await introspect(g, rs, first.access_token), { active: false });
});

test('rotation needs the admin token; a refused attempt changes no key', async () => {
  const before = await jwks(g);
  for (const headers of [{}, { authorization: 'Bearer not-the-admin-token' }, basicAuth(c)]) {
    const res = await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers });
    assert.equal(res.statusCode, 401, res.body);
  }
  assert.deepEqual((await jwks(g)).keys, before.keys);
});
