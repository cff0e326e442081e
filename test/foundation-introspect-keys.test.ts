// Introspection (RFC 7662), revocation (RFC 7009), signing-key rotation and discovery
// (RFC 8414), then a real third-party client against a listening server.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, decodeProtectedHeader, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { buildApp } from '../src/app.ts';
import { admin, basic, createClient, createTestDatabase, startGatehouse, testConfig, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
let a: { client_id: string; client_secret: string };
let b: { client_id: string; client_secret: string };
const FORM = 'application/x-www-form-urlencoded';

before(async () => {
  g = await startGatehouse();
  a = await createClient(g, { name: 'resource server A' });
  b = await createClient(g, { name: 'client B' });
});
after(() => g.stop());

const post = (url: string, who: { client_id: string; client_secret: string } | undefined, payload: string) =>
  g.app.inject({ method: 'POST', url, headers: { 'content-type': FORM, ...(who ? { authorization: basic(who.client_id, who.client_secret) } : {}) }, payload });

async function issue(who: { client_id: string; client_secret: string }) {
  const res = await post('/oauth/token', who, 'grant_type=client_credentials&scope=read');
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token as string;
}

test('introspection of an active JWT answers its claims (RFC 7662 §2.2)', async () => {
  const token = await issue(b);
  const res = await post('/oauth/introspect', a, `token=${token}&token_type_hint=access_token`);
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  const body = res.json();
  assert.equal(body.active, true);
  assert.equal(body.client_id, b.client_id);
  assert.equal(body.scope, 'read');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.iss, 'http://gatehouse.test');
  for (const claim of ['sub', 'exp', 'iat', 'jti']) assert.ok(body[claim] !== undefined, claim);
});

test('introspection answers {active: false} for garbage, foreign keys and other JWT types', async () => {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const foreign = await new SignJWT({ client_id: b.client_id, scope: 'read' }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'someone-else' })
    .setIssuer('http://gatehouse.test').setExpirationTime('1h').setJti('x').sign(privateKey);
  for (const token of ['not-a-token', 'a.b.c', 'gho_unknown', foreign]) {
    const res = await post('/oauth/introspect', a, `token=${encodeURIComponent(token)}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { active: false }, token);
  }
  // A JWT signed by Gatehouse's own key but not typed as an access token (RFC 9068 §4).
  const launch = g.services.keystore.sign({ iss: 'http://gatehouse.test', sub: 'u', aud: 'x', exp: Math.floor(Date.now() / 1000) + 60, iat: Math.floor(Date.now() / 1000), jti: 'launch-1' }, 'JWT');
  assert.deepEqual((await post('/oauth/introspect', a, `token=${launch}`)).json(), { active: false });
});

test('introspection and revocation require client authentication', async () => {
  const token = await issue(b);
  for (const url of ['/oauth/introspect', '/oauth/revoke']) {
    const res = await post(url, undefined, `token=${token}`);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error, 'invalid_client');
    assert.ok(res.headers['www-authenticate']);
  }
  assert.equal((await post('/oauth/introspect', a, '')).json().error, 'invalid_request');
});

test('revocation (RFC 7009): the owner revokes a JWT, it is inactive at once; others may not', async () => {
  const token = await issue(b);
  const foreign = await post('/oauth/revoke', a, `token=${token}`);
  assert.equal(foreign.statusCode, 400);
  assert.equal(foreign.json().error, 'unauthorized_client');
  assert.equal((await post('/oauth/introspect', a, `token=${token}`)).json().active, true);
  const hint = await post('/oauth/revoke', b, `token=${token}&token_type_hint=id_token`);
  assert.equal(hint.json().error, 'unsupported_token_type');
  const ok = await post('/oauth/revoke', b, `token=${token}`);
  assert.equal(ok.statusCode, 200);
  assert.deepEqual((await post('/oauth/introspect', a, `token=${token}`)).json(), { active: false });
  const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).jti;
  const row = await g.services.storage.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', jti).executeTakeFirst();
  assert.ok(row, 'the jti is on the deny-list until the token expires');
  // RFC 7009 §2.2: unknown, invalid and already revoked tokens are answered 200 all the same.
  assert.equal((await post('/oauth/revoke', b, `token=${token}`)).statusCode, 200);
  assert.equal((await post('/oauth/revoke', b, 'token=nonsense')).statusCode, 200);
});

test('key rotation: old tokens stay verifiable, new ones use the new key, the JWKS holds previous, current and next', async () => {
  const old = await issue(b);
  const oldKid = decodeProtectedHeader(old).kid;
  const before = (await g.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: admin })).json().keys;
  const next = before.find((k: { status: string }) => k.status === 'next').kid;
  const rotated = await g.app.inject({ method: 'POST', url: '/admin/api/v1/keys/rotate', headers: admin });
  assert.equal(rotated.statusCode, 200);
  const statuses = Object.fromEntries(rotated.json().keys.map((k: { kid: string; status: string }) => [k.kid, k.status]));
  assert.equal(statuses[oldKid!], 'previous');
  assert.equal(statuses[next], 'current', 'the published next key becomes current');
  const jwks = (await g.app.inject({ method: 'GET', url: '/oauth/jwks' })).json();
  assert.equal(jwks.keys.length, 3);
  const set = createLocalJWKSet(jwks);
  await jwtVerify(old, set, { typ: 'at+jwt' });
  assert.equal((await post('/oauth/introspect', a, `token=${old}`)).json().active, true);
  const fresh = await issue(b);
  assert.equal(decodeProtectedHeader(fresh).kid, next);
  await jwtVerify(fresh, set, { typ: 'at+jwt' });
  await g.services.audit.flush();
  const events = await g.services.storage.db.selectFrom('audit_events').select('action').where('action', '=', 'key.rotated').execute();
  assert.equal(events.length, 1);
});

test('metadata at both well-known paths (RFC 8414)', async () => {
  for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
    const m = (await g.app.inject({ method: 'GET', url: path })).json();
    assert.equal(m.issuer, 'http://gatehouse.test');
    assert.equal(m.token_endpoint, 'http://gatehouse.test/oauth/token');
    assert.equal(m.jwks_uri, 'http://gatehouse.test/oauth/jwks');
    assert.equal(m.introspection_endpoint, 'http://gatehouse.test/oauth/introspect');
    assert.equal(m.revocation_endpoint, 'http://gatehouse.test/oauth/revoke');
    assert.ok(m.grant_types_supported.includes('client_credentials'));
    assert.deepEqual(m.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
    assert.ok(m.scopes_supported.includes('read') && m.scopes_supported.includes('write'));
  }
});

test('a third-party client: openid-client discovers Gatehouse, gets a token, jose verifies it over HTTP', async (t) => {
  // Listen first, then build the app whose issuer is the listening URL.
  const probe = (await import('node:net')).createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const database = await createTestDatabase();
  const issuer = `http://127.0.0.1:${port}`;
  const live = await buildApp(testConfig({ GATEHOUSE_PUBLIC_URL: issuer }, database.url));
  t.after(async () => {
    await live.close();
    await database.drop();
  });
  await live.app.listen({ port, host: '127.0.0.1' });
  const created = await live.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: admin, payload: { name: 'rp', scopes: ['read'] } });
  const { client_id, client_secret } = created.json();

  const config = await oidc.discovery(new URL(issuer), client_id, client_secret, oidc.ClientSecretBasic(client_secret), { execute: [oidc.allowInsecureRequests] });
  assert.equal(config.serverMetadata().issuer, issuer);
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`)), { issuer, typ: 'at+jwt' });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.client_id, client_id);
  assert.equal(payload.scope, 'read');
  const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspected.active, true);
  await oidc.tokenRevocation(config, tokens.access_token);
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
});
