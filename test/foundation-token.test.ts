// The token endpoint (RFC 6749 §3.2, §4.4, §5) with the client_credentials grant: both body
// encodings, both client authentication methods, and every kind of bad input, each answered with
// the right RFC error and status, no-store, a token.refused audit event, and no change to the
// database.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
let c: { client_id: string; client_secret: string };
const FORM = 'application/x-www-form-urlencoded';

before(async () => {
  g = await startGatehouse({ GATEHOUSE_BODY_LIMIT: '2048' });
  c = await createClient(g, { scopes: ['read', 'write'] });
});
after(() => g.stop());

function token(payload: string | object, headers: Record<string, string> = {}) {
  const json = typeof payload !== 'string';
  return g.app.inject({
    method: 'POST', url: '/oauth/token',
    headers: { 'content-type': json ? 'application/json' : FORM, ...headers },
    payload: json ? JSON.stringify(payload) : payload,
  });
}

async function rowCounts() {
  const db = g.services.storage.db;
  const count = async (table: 'clients' | 'access_tokens' | 'revoked_jtis' | 'signing_keys') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { clients: await count('clients'), access_tokens: await count('access_tokens'), revoked: await count('revoked_jtis'), keys: await count('signing_keys') };
}

async function refusedEvents() {
  await g.services.audit.flush();
  const rows = await g.services.storage.db.selectFrom('audit_events').select('id').where('action', '=', 'token.refused').execute();
  return rows.length;
}

async function jwks() {
  return createLocalJWKSet((await g.app.inject({ method: 'GET', url: '/oauth/jwks' })).json());
}

test('client_secret_basic with a form body issues an RFC 9068 JWT', async () => {
  const res = await token('grant_type=client_credentials', { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
  const body = res.json();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 3600);
  assert.equal(body.scope, 'read write', 'an omitted scope means all of the client\'s scopes');
  assert.equal(body.refresh_token, undefined, 'RFC 6749 §4.4.3: no refresh token');
  const header = decodeProtectedHeader(body.access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'ES256');
  const { payload } = await jwtVerify(body.access_token, await jwks(), { issuer: 'http://gatehouse.test', typ: 'at+jwt', audience: 'http://gatehouse.test' });
  for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope']) assert.ok(payload[claim] !== undefined, `claim ${claim}`);
  assert.equal(payload.sub, c.client_id);
  assert.equal(payload.client_id, c.client_id);
  assert.equal((payload.exp as number) - (payload.iat as number), 3600);
});

test('client_secret_post works in form and JSON bodies; Basic credentials are form-urlencoded first', async () => {
  const form = await token(`grant_type=client_credentials&scope=read&client_id=${c.client_id}&client_secret=${c.client_secret}`);
  assert.equal(form.statusCode, 200, form.body);
  assert.equal(form.json().scope, 'read');
  const json = await token({ grant_type: 'client_credentials', scope: 'write', client_id: c.client_id, client_secret: c.client_secret });
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(json.json().scope, 'write');
  const basicJson = await token({ grant_type: 'client_credentials' }, { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(basicJson.statusCode, 200);
});

test('EdDSA and RS256 keys by configuration', async () => {
  for (const alg of ['EdDSA', 'RS256']) {
    const other = await startGatehouse({ GATEHOUSE_SIGNING_ALG: alg });
    try {
      const oc = await createClient(other);
      const res = await other.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(oc.client_id, oc.client_secret), 'content-type': FORM }, payload: 'grant_type=client_credentials' });
      assert.equal(res.statusCode, 200);
      const set = createLocalJWKSet((await other.app.inject({ method: 'GET', url: '/oauth/jwks' })).json());
      const { protectedHeader } = await jwtVerify(res.json().access_token, set, { typ: 'at+jwt' });
      assert.equal(protectedHeader.alg, alg);
    } finally {
      await other.stop();
    }
  }
});

const bad: Array<[string, () => Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>, number, string]> = [
  ['missing grant_type', () => token('scope=read', { authorization: basic('x', 'y') }), 400, 'invalid_request'],
  ['unknown grant_type', () => token('grant_type=password', { authorization: basic('x', 'y') }), 400, 'unsupported_grant_type'],
  ['no credentials', () => token('grant_type=client_credentials'), 401, 'invalid_client'],
  ['unknown client', () => token('grant_type=client_credentials', { authorization: basic('nobody', 'nothing') }), 401, 'invalid_client'],
  ['malformed Basic header', () => token('grant_type=client_credentials', { authorization: 'Basic !!!' }), 401, 'invalid_client'],
  ['secret without client_id', () => token('grant_type=client_credentials&client_secret=abc'), 401, 'invalid_client'],
  ['JSON body that is not JSON', () => g.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json' }, payload: '{"grant_type":' }), 400, 'invalid_request'],
  ['wrong content type', () => g.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain' }, payload: 'grant_type=client_credentials' }), 400, 'invalid_request'],
  ['repeated parameter', () => token('grant_type=client_credentials&grant_type=client_credentials', { authorization: basic('x', 'y') }), 400, 'invalid_request'],
  ['oversized body', () => token(`grant_type=client_credentials&pad=${'x'.repeat(4096)}`), 413, 'invalid_request'],
];

for (const [name, send, status, error] of bad) {
  test(`bad input: ${name} -> ${status} ${error}, nothing changes`, async () => {
    const before = await rowCounts();
    const res = await send();
    assert.equal(res.statusCode, status, res.body);
    assert.equal(JSON.parse(res.body).error, error);
    assert.equal(typeof JSON.parse(res.body).error_description, 'string');
    assert.equal(res.headers['cache-control'], 'no-store');
    if (status === 401) assert.match(String(res.headers['www-authenticate']), /^Basic /);
    assert.deepEqual(await rowCounts(), before);
  });
}

test('a wrong secret is 401 invalid_client with a challenge, and is audited', async () => {
  const refusedBefore = await refusedEvents();
  const res = await token('grant_type=client_credentials', { authorization: basic(c.client_id, 'wrong-secret') });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error, 'invalid_client');
  assert.match(String(res.headers['www-authenticate']), /Basic realm="gatehouse"/);
  assert.equal(await refusedEvents(), refusedBefore + 1);
});

test('credentials in both the header and the body are invalid_request (RFC 6749 §2.3)', async () => {
  const res = await token(`grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}`, { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'invalid_request');
});

test('scope beyond the client\'s allowance is invalid_scope', async () => {
  const before = await rowCounts();
  const res = await token('grant_type=client_credentials&scope=read%20admin', { authorization: basic(c.client_id, c.client_secret) });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'invalid_scope');
  assert.match(res.json().error_description, /admin/);
  assert.deepEqual(await rowCounts(), before);
});

test('a grant the client may not use is unauthorized_client; a public client cannot use client_credentials', async () => {
  const codeOnly = await createClient(g, { grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
  const res = await token('grant_type=client_credentials', { authorization: basic(codeOnly.client_id, codeOnly.client_secret) });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'unauthorized_client');
  const refused = await g.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: { authorization: 'Bearer test-admin-token-0123456789' }, payload: { name: 'spa', type: 'public', grant_types: ['client_credentials'] } });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().error.message, /public client/);
});

test('opaque tokens are random, stored only as SHA-256, introspectable and revocable', async () => {
  const oc = await createClient(g, { token_format: 'opaque' });
  const auth = { authorization: basic(oc.client_id, oc.client_secret), 'content-type': FORM };
  const res = await g.app.inject({ method: 'POST', url: '/oauth/token', headers: auth, payload: 'grant_type=client_credentials' });
  const accessToken = res.json().access_token as string;
  assert.ok(accessToken.length >= 40 && accessToken.split('.').length === 1);
  const rows = await g.services.storage.db.selectFrom('access_tokens').selectAll().execute();
  assert.ok(!JSON.stringify(rows).includes(accessToken), 'the raw token is not stored');
  const active = await g.app.inject({ method: 'POST', url: '/oauth/introspect', headers: auth, payload: `token=${accessToken}` });
  assert.equal(active.json().active, true);
  assert.equal(active.json().client_id, oc.client_id);
  const revoke = await g.app.inject({ method: 'POST', url: '/oauth/revoke', headers: auth, payload: `token=${accessToken}` });
  assert.equal(revoke.statusCode, 200);
  const inactive = await g.app.inject({ method: 'POST', url: '/oauth/introspect', headers: auth, payload: `token=${accessToken}` });
  assert.deepEqual(inactive.json(), { active: false });
});

test('rate limits answer 429 with Retry-After', async () => {
  const limited = await startGatehouse({ GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '3', GATEHOUSE_TOKEN_RATE_LIMIT_IP: '100' });
  try {
    const lc = await createClient(limited);
    const send = () => limited.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(lc.client_id, lc.client_secret), 'content-type': FORM }, payload: 'grant_type=client_credentials' });
    for (let i = 0; i < 3; i++) assert.equal((await send()).statusCode, 200);
    const res = await send();
    assert.equal(res.statusCode, 429);
    assert.ok(Number(res.headers['retry-after']) > 0);
    assert.equal(res.json().error, 'too_many_requests');
  } finally {
    await limited.stop();
  }
});
