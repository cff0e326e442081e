// The token endpoint (RFC 6749 §3.2) with the client_credentials grant (§4.4): both body
// encodings, the scope rules (§3.3), which clients may use the grant, and every kind of bad
// request, each answered with its §5.2 error, no-store, a token.refused audit event and no change
// to the database. Client authentication has a file of its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { assertTokenRefused, auditSince, basicAuth, FORM, post, snapshot, type Credentials } from './oauth-helpers.ts';

const BODY_LIMIT = 2048;
let g: TestGatehouse;
let c: Credentials; // JWT tokens
let o: Credentials; // opaque tokens: a token issued by mistake would show up as a row

before(async () => {
  g = await startGatehouse({ GATEHOUSE_BODY_LIMIT: String(BODY_LIMIT) });
  c = await createClient(g, { name: 'reporting job', scopes: ['read', 'write'] });
  o = await createClient(g, { name: 'opaque job', scopes: ['read', 'write'], token_format: 'opaque' });
});
after(() => g.stop());

const token = (payload: string | object, headers: Record<string, string> = {}) => post('/oauth/token', payload, headers);

test('a form body: 200 with a Bearer token, expires_in, all of the client\'s scopes, no refresh token, no-store', async () => {
  const before = await snapshot(g);
  const res = await g.app.inject(token('grant_type=client_credentials', basicAuth(c)));
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 3600);
  assert.equal(body.scope, 'read write', 'an omitted scope means all of the client\'s scopes');
  assert.equal(body.access_token.split('.').length, 3);
  // RFC 6749 §4.4.3: a refresh token SHOULD NOT be included.
  assert.equal(body.refresh_token, undefined);
  const events = await auditSince(g, before.lastAuditId);
  assert.deepEqual(events.map((e) => [e.action, e.outcome, e.client_id, e.ip]), [['token.issued', 'success', c.client_id, '127.0.0.1']]);
  assert.deepEqual(events[0].details, { grant_type: 'client_credentials', scope: 'read write' });
});

test('a JSON body, with and without a charset parameter, gets the same answer as a form body', async () => {
  for (const type of ['application/json', 'application/json; charset=utf-8']) {
    const res = await g.app.inject(token({ grant_type: 'client_credentials', scope: 'read' }, { ...basicAuth(c), 'content-type': type }));
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json().token_type, 'Bearer');
    assert.equal(res.json().scope, 'read');
  }
  const charset = await g.app.inject(token('grant_type=client_credentials', { ...basicAuth(c), 'content-type': `${FORM}; charset=UTF-8` }));
  assert.equal(charset.statusCode, 200, charset.body);
});

test('unknown parameters are ignored (RFC 6749 §3.2)', async () => {
  const form = await g.app.inject(token('grant_type=client_credentials&resource_hint=x&foo=bar', basicAuth(c)));
  assert.equal(form.statusCode, 200, form.body);
  const json = await g.app.inject(token({ grant_type: 'client_credentials', foo: 'bar' }, basicAuth(c)));
  assert.equal(json.statusCode, 200, json.body);
});

test('scope: a subset is granted as asked (duplicates dropped), beyond the allowance is invalid_scope', async () => {
  const subset = await g.app.inject(token('grant_type=client_credentials&scope=write', basicAuth(c)));
  assert.equal(subset.json().scope, 'write');
  const both = await g.app.inject(token('grant_type=client_credentials&scope=write%20read%20write', basicAuth(c)));
  assert.equal(both.json().scope, 'write read');
  const beyond = await assertTokenRefused(g, token('grant_type=client_credentials&scope=read%20admin', basicAuth(o)), 400, 'invalid_scope');
  assert.match(beyond.json().error_description, /admin/);
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', scope: 'delete' }, basicAuth(o)), 400, 'invalid_scope');
  // Scope tokens are case-sensitive (RFC 6749 §3.3).
  await assertTokenRefused(g, token('grant_type=client_credentials&scope=READ', basicAuth(o)), 400, 'invalid_scope');
  const none = await createClient(g, { name: 'no scopes', scopes: [], token_format: 'opaque' });
  await assertTokenRefused(g, token('grant_type=client_credentials&scope=read', basicAuth(none)), 400, 'invalid_scope');
});

test('a client that may not use client_credentials is unauthorized_client', async () => {
  const codeOnly = await createClient(g, { name: 'web app', grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'], token_format: 'opaque' });
  const res = await assertTokenRefused(g, token('grant_type=client_credentials', basicAuth(codeOnly)), 400, 'unauthorized_client');
  assert.match(res.json().error_description, /client_credentials/);
});

test('a public client cannot use client_credentials (RFC 6749 §4.4)', async () => {
  const refused = await g.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: admin, payload: { name: 'spa', type: 'public', grant_types: ['client_credentials'] } });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.json().error.message, /public client/);
  const spa = await g.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: admin, payload: { name: 'spa', type: 'public', grant_types: ['authorization_code'], redirect_uris: ['https://spa.example/cb'], scopes: ['read'] } });
  assert.equal(spa.statusCode, 201, spa.body);
  const { client_id: spaId, client_secret: spaSecret } = spa.json();
  assert.equal(spaSecret ?? null, null, 'a public client has no secret');
  // Identifying itself is not authenticating: the grant needs a confidential client.
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${spaId}`), 401, 'invalid_client');
  await assertTokenRefused(g, token(`grant_type=client_credentials&client_id=${spaId}&client_secret=guess`), 401, 'invalid_client');
  await assertTokenRefused(g, token({ grant_type: 'client_credentials', client_id: spaId }), 401, 'invalid_client');
});

test('grant_type: missing or empty is invalid_request, unknown is unsupported_grant_type', async () => {
  const missing = await assertTokenRefused(g, token('scope=read', basicAuth(o)), 400, 'invalid_request');
  assert.match(missing.json().error_description, /grant_type/);
  await assertTokenRefused(g, token('grant_type=', basicAuth(o)), 400, 'invalid_request');
  await assertTokenRefused(g, token({ scope: 'read' }, basicAuth(o)), 400, 'invalid_request');
  await assertTokenRefused(g, token({}, basicAuth(o)), 400, 'invalid_request');
  const unknown = await assertTokenRefused(g, token('grant_type=password&username=a&password=b', basicAuth(o)), 400, 'unsupported_grant_type');
  assert.match(unknown.json().error_description, /password/);
  await assertTokenRefused(g, token({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, basicAuth(o)), 400, 'unsupported_grant_type');
  await assertTokenRefused(g, token('grant_type=CLIENT_CREDENTIALS', basicAuth(o)), 400, 'unsupported_grant_type');
});

test('the grant type is checked before the client: an unknown grant with bad credentials is unsupported_grant_type', async () => {
  await assertTokenRefused(g, token('grant_type=password', basicAuth({ client_id: 'nobody', client_secret: 'nothing' })), 400, 'unsupported_grant_type');
});

// Requests that fail before any grant logic runs: each is 4xx invalid_request, even with valid
// credentials, and issues nothing.
const malformed: Array<[string, () => InjectOptions, number]> = [
  ['JSON that does not parse', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...basicAuth(o) }, payload: '{"grant_type": "client_credentials"' }), 400],
  ['an empty JSON body', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...basicAuth(o) }, payload: '' }), 400],
  ['a JSON array', () => token(['grant_type', 'client_credentials'], basicAuth(o)), 400],
  ['JSON null', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...basicAuth(o) }, payload: 'null' }), 400],
  ['a number where a string belongs', () => token({ grant_type: 5 }, basicAuth(o)), 400],
  ['an array where a string belongs', () => token({ grant_type: 'client_credentials', scope: ['read'] }, basicAuth(o)), 400],
  ['an object where a string belongs', () => token({ grant_type: 'client_credentials', client_id: { $ne: null }, client_secret: 'x' }), 400],
  ['text/plain', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain', ...basicAuth(o) }, payload: 'grant_type=client_credentials' }), 400],
  ['application/xml', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/xml', ...basicAuth(o) }, payload: '<grant_type>client_credentials</grant_type>' }), 400],
  ['multipart/form-data', () => ({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'multipart/form-data; boundary=x', ...basicAuth(o) }, payload: '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--' }), 400],
  ['no body and no content type', () => ({ method: 'POST', url: '/oauth/token', headers: basicAuth(o) }), 400],
  ['a query string instead of a body', () => ({ method: 'POST', url: '/oauth/token?grant_type=client_credentials', headers: basicAuth(o) }), 400],
  // RFC 6749 §3.2: request and response parameters MUST NOT be included more than once.
  ['grant_type repeated', () => token('grant_type=client_credentials&grant_type=client_credentials', basicAuth(o)), 400],
  ['scope repeated', () => token('grant_type=client_credentials&scope=read&scope=write', basicAuth(o)), 400],
  ['client_id repeated', () => token(`grant_type=client_credentials&client_id=${o.client_id}&client_id=${o.client_id}&client_secret=${o.client_secret}`), 400],
  ['a form body over GATEHOUSE_BODY_LIMIT', () => token(`grant_type=client_credentials&pad=${'x'.repeat(BODY_LIMIT)}`, basicAuth(o)), 413],
  ['a JSON body over GATEHOUSE_BODY_LIMIT', () => token({ grant_type: 'client_credentials', pad: 'x'.repeat(BODY_LIMIT) }, basicAuth(o)), 413],
];

for (const [name, request, status] of malformed) {
  test(`bad request: ${name} -> ${status} invalid_request, audited, nothing changes`, async () => {
    await assertTokenRefused(g, request(), status, 'invalid_request');
  });
}

test('a body just under GATEHOUSE_BODY_LIMIT is accepted', async () => {
  const prefix = 'grant_type=client_credentials&pad=';
  const res = await g.app.inject(token(prefix + 'x'.repeat(BODY_LIMIT - prefix.length), basicAuth(c)));
  assert.equal(res.statusCode, 200, res.body);
});
