// Client authentication at the token endpoint (RFC 6749 §2.3): client_secret_basic, with each
// half form-urlencoded before Base64 (§2.3.1), and client_secret_post in form and JSON bodies.
// Failures are 401 invalid_client with a Basic challenge (§5.2); two methods at once are
// invalid_request (§2.3). Every failure is audited and changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { assertTokenRefused, auditSince, basicAuth, post, snapshot, type Credentials } from './oauth-helpers.ts';

let g: TestGatehouse;
let c: Credentials; // JWT tokens
let o: Credentials; // opaque tokens: a token issued by mistake would show up as a row

before(async () => {
  g = await startGatehouse();
  c = await createClient(g, { name: 'billing sync', scopes: ['read'] });
  o = await createClient(g, { name: 'opaque sync', scopes: ['read'], token_format: 'opaque' });
});
after(() => g.stop());

const token = (payload: string | object, headers: Record<string, string> = {}) => post('/oauth/token', payload, headers);
const rawBasic = (userPass: string) => ({ authorization: `Basic ${Buffer.from(userPass).toString('base64')}` });
/** Every character percent-encoded, which application/x-www-form-urlencoded decoding must undo. */
const percentAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

async function issuedTo(request: Parameters<typeof token>, clientId: string) {
  const res = await g.app.inject(token(...request));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(decodeJwt(res.json().access_token).client_id, clientId);
}

async function assertIssued(who: Credentials) {
  const res = await g.app.inject(token('grant_type=client_credentials', basicAuth(who)));
  assert.equal(res.statusCode, 200, res.body);
}

test('client_secret_basic with form and JSON bodies', async () => {
  await issuedTo(['grant_type=client_credentials', basicAuth(c)], c.client_id);
  await issuedTo([{ grant_type: 'client_credentials' }, basicAuth(c)], c.client_id);
  // The scheme name is case-insensitive (RFC 9110 §11.1).
  await issuedTo(['grant_type=client_credentials', { authorization: basicAuth(c).authorization.replace('Basic', 'basic') }], c.client_id);
});

test('client_secret_basic: id and secret are form-urlencoded before Base64 (RFC 6749 §2.3.1)', async () => {
  // Ids and secrets are base64url, which encoding leaves as is; a client that encodes every
  // character anyway must still be recognised.
  await issuedTo(['grant_type=client_credentials', rawBasic(`${percentAll(c.client_id)}:${percentAll(c.client_secret)}`)], c.client_id);
  await issuedTo(['grant_type=client_credentials', rawBasic(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`)], c.client_id);
  // A "+" is a space in form encoding, so it cannot stand for itself: the secret no longer matches.
  const plus = await assertTokenRefused(g, token('grant_type=client_credentials', rawBasic(`${o.client_id}:${o.client_secret}+`)), 401, 'invalid_client');
  assert.equal(plus.json().error_description, 'client authentication failed');
  // Encoded, the same character is part of the secret, and the secret is wrong for that reason alone.
  await assertTokenRefused(g, token('grant_type=client_credentials', rawBasic(`${o.client_id}:${o.client_secret}%2B`)), 401, 'invalid_client');
});

test('malformed Basic credentials are 401 invalid_client, never a 5xx', async () => {
  for (const authorization of [
    'Basic !!!',
    'Basic ',
    `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
    `Basic ${Buffer.from('%E0%A4%A:secret').toString('base64')}`, // a broken percent-escape
    `Basic ${Buffer.from(`${o.client_id}:%zz`).toString('base64')}`,
  ]) {
    await assertTokenRefused(g, token('grant_type=client_credentials', { authorization }), 401, 'invalid_client');
  }
});

test('client_secret_post in form and JSON bodies', async () => {
  await issuedTo([`grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}`], c.client_id);
  await issuedTo([{ grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret }], c.client_id);
  // Form values are percent-decoded like any other parameter.
  await issuedTo([`grant_type=client_credentials&client_id=${percentAll(c.client_id)}&client_secret=${percentAll(c.client_secret)}`], c.client_id);
});

test('client_id in the body beside matching Basic credentials is accepted', async () => {
  await issuedTo([`grant_type=client_credentials&client_id=${c.client_id}`, basicAuth(c)], c.client_id);
});

test('two authentication methods at once are 400 invalid_request (RFC 6749 §2.3)', async () => {
  const form = await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${o.client_id}&client_secret=${o.client_secret}`, basicAuth(o)), 400, 'invalid_request');
  assert.match(form.json().error_description, /both/);
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_id: o.client_id, client_secret: o.client_secret }, basicAuth(o)), 400, 'invalid_request');
  // A body secret alone is enough to make it two methods, whatever the body's client_id.
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_secret: o.client_secret }, basicAuth(o)), 400, 'invalid_request');
  // The body names one client, the header another.
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${c.client_id}`, basicAuth(o)), 400, 'invalid_request');
});

test('missing credentials are 401 invalid_client with a challenge', async () => {
  await assertTokenRefused(g, token('grant_type=client_credentials'), 401, 'invalid_client');
  await assertTokenRefused(g, token({ grant_type: 'client_credentials' }), 401, 'invalid_client');
  // A confidential client cannot get by with its id alone.
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${o.client_id}`), 401, 'invalid_client');
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_id: o.client_id }), 401, 'invalid_client');
  // A secret without an id.
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_secret=${o.client_secret}`), 401, 'invalid_client');
  // An empty secret is no secret.
  await assertTokenRefused(g, token('grant_type=client_credentials', rawBasic(`${o.client_id}:`)), 401, 'invalid_client');
  // A Bearer token is not client authentication.
  await assertTokenRefused(g, token('grant_type=client_credentials', { authorization: `Bearer ${o.client_secret}` }), 401, 'invalid_client');
});

test('a wrong secret is 401 invalid_client; the audit event names the client and the error', async () => {
  const before = await snapshot(g);
  const res = await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth({ client_id: o.client_id, client_secret: 'wrong-secret' })), 401, 'invalid_client');
  assert.equal(res.json().error_description, 'client authentication failed');
  const [event] = await auditSince(g, before.lastAuditId);
  assert.equal(event.client_id, o.client_id);
  assert.equal(event.actor, o.client_id);
  assert.deepEqual(event.details, { grant_type: 'client_credentials', error: 'invalid_client' });
  assert.ok(!JSON.stringify(event).includes('wrong-secret'), 'the presented secret is not recorded');
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${o.client_id}&client_secret=${o.client_secret.slice(0, -1)}`), 401, 'invalid_client');
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_id: o.client_id, client_secret: `${o.client_secret}x` }), 401, 'invalid_client');
  // Another client's valid secret.
  await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth({ client_id: o.client_id, client_secret: c.client_secret })), 401, 'invalid_client');
});

test('an unknown client gets the same answer as a wrong secret', async () => {
  const unknown = await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth({ client_id: 'no-such-client', client_secret: o.client_secret })), 401, 'invalid_client');
  const wrong = await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth({ client_id: o.client_id, client_secret: 'nope' })), 401, 'invalid_client');
  assert.deepEqual(unknown.json(), wrong.json(), 'nothing tells an attacker which client ids exist');
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_id: 'no-such-client', client_secret: 'x' }), 401, 'invalid_client');
});

test('a rotated secret replaces the old one at once; a deleted client authenticates no more', async () => {
  const rotating = await createClient(g, { name: 'rotating', scopes: ['read'], token_format: 'opaque' });
  await assertIssued(rotating);
  const rotated = await g.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${rotating.client_id}/rotate-secret`, headers: admin });
  assert.equal(rotated.statusCode, 200, rotated.body);
  const fresh = { client_id: rotating.client_id, client_secret: rotated.json().client_secret as string };
  assert.notEqual(fresh.client_secret, rotating.client_secret);
  await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth(rotating)), 401, 'invalid_client');
  await assertIssued(fresh);
  const removed = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/clients/${rotating.client_id}`, headers: admin });
  assert.equal(removed.statusCode, 204, removed.body);
  await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth(fresh)), 401, 'invalid_client');
});
