// Introspection (RFC 7662) and revocation (RFC 7009) of JWT and opaque access tokens: active
// answers carry the claims, anything not issued and still valid here is {active: false}, a
// revoked JWT's jti is denied until it expires, and only the owning client may revoke.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { InjectOptions } from 'fastify';
import { SignJWT, generateKeyPair } from 'jose';
import { sha256 } from '../src/crypto.ts';
import { basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

const ISSUER = 'http://gatehouse.test';
const FORM = 'application/x-www-form-urlencoded';

type Creds = { client_id: string; client_secret: string };

let g: TestGatehouse;
let jwtClient: Creds;
let opaqueClient: Creds;
let resourceServer: Creds;

before(async () => {
  g = await startGatehouse();
  jwtClient = await createClient(g, { scopes: ['read', 'write'] });
  opaqueClient = await createClient(g, { scopes: ['read'], token_format: 'opaque' });
  resourceServer = await createClient(g, { scopes: [], introspect: true });
});
after(() => g.stop());

async function issue(client: Creds, scope?: string): Promise<string> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(client.client_id, client.client_secret) },
    payload: `grant_type=client_credentials${scope ? `&scope=${encodeURIComponent(scope)}` : ''}`,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token;
}

function call(url: '/oauth/introspect' | '/oauth/revoke', client: Creds | undefined, params: Record<string, string>): InjectOptions {
  return {
    method: 'POST',
    url,
    headers: { 'content-type': FORM, ...(client ? { authorization: basic(client.client_id, client.client_secret) } : {}) },
    payload: new URLSearchParams(params).toString(),
  };
}

async function introspect(token: string, client: Creds = resourceServer) {
  const res = await g.app.inject(call('/oauth/introspect', client, { token }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  return res.json();
}

async function snapshot() {
  await g.services.audit.flush();
  const { rows } = await sql<{ state: string }>`
    select (select count(*) from access_tokens) || '/' || (select count(*) from access_tokens where revoked_at is not null) || '/' ||
           (select count(*) from revoked_jtis) || '/' || (select count(*) from clients) || '/' || (select count(*) from signing_keys) as state`.execute(
    g.services.storage.db,
  );
  return rows[0].state;
}

/** A bad request: RFC 6749 §5.2 error body, no-store, no change. */
async function rejected(request: InjectOptions, status: number, error: string) {
  const before = await snapshot();
  const res = await g.app.inject(request);
  assert.equal(res.statusCode, status, res.body);
  assert.equal(res.json().error, error);
  assert.equal(typeof res.json().error_description, 'string');
  assert.equal(res.headers['cache-control'], 'no-store');
  if (status === 401) assert.match(String(res.headers['www-authenticate']), /^Basic /);
  assert.equal(await snapshot(), before, 'the database is unchanged');
  return res;
}

test('introspection of an active JWT returns its claims (RFC 7662 §2.2)', async () => {
  const token = await issue(jwtClient, 'read');
  const body = await introspect(token);
  assert.equal(body.active, true);
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.client_id, jwtClient.client_id);
  assert.equal(body.sub, jwtClient.client_id);
  assert.equal(body.scope, 'read');
  assert.equal(body.iss, ISSUER);
  assert.equal(body.aud, ISSUER);
  assert.equal(body.exp - body.iat, 3600);
  assert.equal(typeof body.jti, 'string');
  // The token's own client may ask as well, with credentials in a JSON body.
  const own = await g.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    payload: { token, client_id: jwtClient.client_id, client_secret: jwtClient.client_secret },
  });
  assert.equal(own.json().active, true);
  // token_type_hint is only a hint (RFC 7662 §2.1).
  const hinted = await g.app.inject(call('/oauth/introspect', resourceServer, { token, token_type_hint: 'refresh_token' }));
  assert.equal(hinted.json().active, true);
});

test('introspection of an active opaque token returns its claims', async () => {
  const token = await issue(opaqueClient);
  const body = await introspect(token);
  assert.equal(body.active, true);
  assert.equal(body.client_id, opaqueClient.client_id);
  assert.equal(body.sub, opaqueClient.client_id);
  assert.equal(body.scope, 'read');
  assert.equal(body.iss, ISSUER);
  assert.ok(body.exp > Math.floor(Date.now() / 1000) + 3500);
  const row = await g.services.storage.db.selectFrom('access_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
  assert.equal(body.jti, row.jti);
});

test('anything else is {active: false}: garbage, unknown opaque, other typ, unknown key, wrong issuer, expired', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: jwtClient.client_id, aud: ISSUER, iat: now, exp: now + 600, jti: 'forged', client_id: jwtClient.client_id, scope: 'read' };
  const { keystore } = g.services;
  const current = keystore.list().find((k) => k.status === 'current')!;
  const stranger = await generateKeyPair('ES256');
  const foreign = (kid: string) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(stranger.privateKey);
  const segments = (await issue(jwtClient)).split('.');
  const tampered = [segments[0], Buffer.from(JSON.stringify({ ...claims, scope: 'read write admin' })).toString('base64url'), segments[2]].join('.');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: current.kid })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
  const inactive: [string, string][] = [
    ['garbage', 'garbage'],
    ['three dots of nothing', 'a.b.c'],
    ['unknown opaque', 'gho_' + 'A'.repeat(43)],
    ['an ID-token-style JWT (typ JWT) from our own key', keystore.sign(claims, 'JWT')],
    ['signed by an unknown key under our kid', await foreign(current.kid)],
    ['signed by an unknown key and kid', await foreign('someone-elses-key')],
    ['payload swapped under a valid signature', tampered],
    ['alg none', unsigned],
    ['another issuer', keystore.sign({ ...claims, iss: 'https://evil.example' })],
    ['expired', keystore.sign({ ...claims, iat: now - 7200, exp: now - 3600 })],
  ];
  for (const [name, token] of inactive) {
    const before = await snapshot();
    assert.deepEqual(await introspect(token), { active: false }, name);
    assert.equal(await snapshot(), before, name);
  }
  // The control: the same claims signed properly are active.
  assert.equal((await introspect(keystore.sign(claims))).active, true);
});

test('introspection requires client authentication and a token', async () => {
  const token = await issue(jwtClient);
  await rejected(call('/oauth/introspect', undefined, { token }), 401, 'invalid_client');
  await rejected(call('/oauth/introspect', { client_id: resourceServer.client_id, client_secret: 'nope' }, { token }), 401, 'invalid_client');
  await rejected(call('/oauth/introspect', resourceServer, {}), 400, 'invalid_request');
  await rejected(
    {
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': FORM, authorization: basic(resourceServer.client_id, resourceServer.client_secret) },
      payload: `token=${token}&token=${token}`,
    },
    400,
    'invalid_request',
  );
  await rejected(
    {
      method: 'POST',
      url: '/oauth/introspect',
      headers: { 'content-type': 'application/json', authorization: basic(resourceServer.client_id, resourceServer.client_secret) },
      payload: '{"token":',
    },
    400,
    'invalid_request',
  );
});

test('revoking a JWT puts its jti on the deny-list until it expires; introspection then says inactive', async () => {
  const token = await issue(jwtClient);
  const claims = await introspect(token);
  assert.equal(claims.active, true);
  await g.services.audit.flush();
  const res = await g.app.inject(call('/oauth/revoke', jwtClient, { token, token_type_hint: 'access_token' }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.body, '{}');
  assert.deepEqual(await introspect(token), { active: false });
  const row = await g.services.storage.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', claims.jti).executeTakeFirstOrThrow();
  assert.equal(Math.floor(row.expires_at.getTime() / 1000), claims.exp);
  await g.services.audit.flush();
  const events = await g.services.storage.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'token.revoked')
    .where('client_id', '=', jwtClient.client_id)
    .execute();
  assert.ok(events.some((e) => e.details.jti === claims.jti && e.outcome === 'success'));
  // Revoking again is 200 and changes nothing (RFC 7009 §2.2).
  const before = await snapshot();
  assert.equal((await g.app.inject(call('/oauth/revoke', jwtClient, { token }))).statusCode, 200);
  assert.equal(await snapshot(), before);
  // Other tokens of the same client stay active.
  assert.equal((await introspect(await issue(jwtClient))).active, true);
});

test('revoking an opaque token marks it in place', async () => {
  const token = await issue(opaqueClient);
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/revoke',
    payload: { token, client_id: opaqueClient.client_id, client_secret: opaqueClient.client_secret },
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await introspect(token), { active: false });
  const row = await g.services.storage.db.selectFrom('access_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
  assert.ok(row.revoked_at instanceof Date);
});

test('an unknown or invalid token is 200 all the same, and changes nothing (RFC 7009 §2.2)', async () => {
  for (const token of ['garbage', 'gho_unknown', 'a.b.c', (await issue(jwtClient)).slice(0, -4) + 'AAAA']) {
    const before = await snapshot();
    const res = await g.app.inject(call('/oauth/revoke', jwtClient, { token }));
    assert.equal(res.statusCode, 200, `${token}: ${res.body}`);
    assert.equal(await snapshot(), before);
  }
});

test("another client's token is refused and stays active", async () => {
  const jwt = await issue(jwtClient);
  const opaque = await issue(opaqueClient);
  for (const token of [jwt, opaque]) {
    const res = await rejected(call('/oauth/revoke', resourceServer, { token }), 400, 'unauthorized_client');
    assert.match(res.json().error_description, /not issued to this client/);
    assert.equal((await introspect(token)).active, true);
  }
});

test('revocation: unsupported token_type_hint, missing token, no client authentication', async () => {
  const token = await issue(jwtClient);
  const res = await rejected(call('/oauth/revoke', jwtClient, { token, token_type_hint: 'id_token' }), 400, 'unsupported_token_type');
  assert.match(res.json().error_description, /id_token/);
  await rejected(call('/oauth/revoke', jwtClient, {}), 400, 'invalid_request');
  await rejected(call('/oauth/revoke', undefined, { token }), 401, 'invalid_client');
  await rejected(call('/oauth/revoke', { client_id: jwtClient.client_id, client_secret: 'wrong' }, { token }), 401, 'invalid_client');
  await rejected(
    {
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': 'text/plain', authorization: basic(jwtClient.client_id, jwtClient.client_secret) },
      payload: `token=${token}`,
    },
    400,
    'invalid_request',
  );
  assert.equal((await introspect(token)).active, true, 'none of these revoked it');
});
