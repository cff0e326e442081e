// Introspection (RFC 7662) and revocation (RFC 7009) of JWT and opaque access tokens.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { auditSince, basicAuth, introspect, ISSUER, issueToken, post, snapshot, type Credentials } from './oauth-helpers.ts';

let g: TestGatehouse;
let rs: Credentials; // a resource server that introspects
let owner: Credentials; // gets JWTs
let opaqueOwner: Credentials; // gets opaque tokens
let other: Credentials;

before(async () => {
  g = await startGatehouse();
  rs = await createClient(g, { name: 'resource server', scopes: [] });
  owner = await createClient(g, { name: 'report job', scopes: ['read', 'write'] });
  opaqueOwner = await createClient(g, { name: 'opaque job', scopes: ['read'], token_format: 'opaque' });
  other = await createClient(g, { name: 'someone else', scopes: ['read'] });
});
after(() => g.stop());

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const revoke = (who: Credentials, payload: string | object) => g.app.inject(post('/oauth/revoke', payload, basicAuth(who)));
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims an access token from this server would carry, valid for ten minutes. */
function claims(overrides: Record<string, unknown> = {}) {
  return { iss: ISSUER, sub: owner.client_id, aud: ISSUER, iat: now(), exp: now() + 600, jti: `test-${Math.random()}`, client_id: owner.client_id, scope: 'read', ...overrides };
}

test('introspection of an active JWT answers active with its claims (RFC 7662 §2.2)', async () => {
  const issued = await issueToken(g, owner, 'read');
  const body = await introspect(g, rs, issued.access_token);
  const jwt = decodeJwt(issued.access_token);
  assert.equal(body.active, true);
  assert.equal(body.token_type, 'Bearer');
  for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope']) assert.deepEqual(body[claim], jwt[claim], claim);
  assert.equal(body.client_id, owner.client_id);
  assert.equal(body.scope, 'read');
});

test('introspection takes JSON bodies and client_secret_post; token_type_hint is only a hint', async () => {
  const issued = await issueToken(g, owner);
  const json = await g.app.inject(post('/oauth/introspect', { token: issued.access_token, client_id: rs.client_id, client_secret: rs.client_secret }));
  assert.equal(json.statusCode, 200, json.body);
  assert.equal(json.json().active, true);
  assert.equal(json.headers['cache-control'], 'no-store');
  const form = await g.app.inject(post('/oauth/introspect', `token=${issued.access_token}&token_type_hint=refresh_token&client_id=${rs.client_id}&client_secret=${rs.client_secret}`));
  assert.equal(form.json().active, true);
  // A client may introspect its own token.
  assert.equal((await introspect(g, owner, issued.access_token)).active, true);
});

test('introspection of an active opaque token answers active with its claims', async () => {
  const issued = await issueToken(g, opaqueOwner);
  const body = await introspect(g, rs, issued.access_token);
  assert.equal(body.active, true);
  assert.equal(body.client_id, opaqueOwner.client_id);
  assert.equal(body.sub, opaqueOwner.client_id);
  assert.equal(body.scope, 'read');
  assert.equal(body.iss, ISSUER);
  assert.equal(typeof body.jti, 'string');
  assert.equal((body.exp as number) - (body.iat as number), 3600);
});

test('introspection answers exactly {active: false} for garbage and for tokens it did not issue', async () => {
  const { kid } = decodeProtectedHeader((await issueToken(g, owner)).access_token);
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const foreignKey = await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid }).sign(privateKey);
  const unsigned = `${b64({ alg: 'none', typ: 'at+jwt', kid })}.${b64(claims())}.`;
  // Algorithm confusion: HS256 keyed with the public JWKS text.
  const hsInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid })}.${b64(claims())}`;
  const hs256 = `${hsInput}.${createHmac('sha256', g.services.keystore.jwks).update(hsInput).digest('base64url')}`;
  for (const token of ['not-a-token', 'a.b.c', 'gho_', 'gho_unknown0000000000000000000000000000000000', '...', 'x'.repeat(4000), foreignKey, unsigned, hs256]) {
    assert.deepEqual(await introspect(g, rs, token), { active: false }, token.slice(0, 40));
  }
});

test('introspection: a Gatehouse-signed JWT of another type (RFC 9068 §4), issuer, or an expired one is inactive', async () => {
  const wrongType = g.services.keystore.sign(claims(), 'JWT');
  assert.equal(decodeProtectedHeader(wrongType).typ, 'JWT');
  const wrongIssuer = g.services.keystore.sign(claims({ iss: 'https://elsewhere.example' }));
  const expired = g.services.keystore.sign(claims({ iat: now() - 7200, exp: now() - 3600 }));
  const control = g.services.keystore.sign(claims());
  for (const token of [wrongType, wrongIssuer, expired]) assert.deepEqual(await introspect(g, rs, token), { active: false });
  assert.equal((await introspect(g, rs, control)).active, true, 'the same claims, signed as an access token, are active');
});

test('introspection: tokens go inactive when they expire, also after being introspected while active', async () => {
  const shortJwt = await createClient(g, { name: 'short jwt', scopes: ['read'], access_token_ttl: 2 });
  const shortOpaque = await createClient(g, { name: 'short opaque', scopes: ['read'], access_token_ttl: 2, token_format: 'opaque' });
  // Expiry is in whole seconds: start just after a second begins so the tokens live nearly 2 s.
  await sleep(1000 - (Date.now() % 1000) + 20);
  const jwt = (await issueToken(g, shortJwt)).access_token;
  const opaque = (await issueToken(g, shortOpaque)).access_token;
  assert.equal((await introspect(g, rs, jwt)).active, true);
  assert.equal((await introspect(g, rs, opaque)).active, true);
  await sleep((decodeJwt(jwt).exp! + 1) * 1000 - Date.now());
  assert.deepEqual(await introspect(g, rs, jwt), { active: false });
  assert.deepEqual(await introspect(g, rs, opaque), { active: false });
});

test('introspection requires client authentication (401 invalid_client) and a token (400)', async () => {
  const issued = await issueToken(g, owner);
  for (const request of [
    post('/oauth/introspect', `token=${issued.access_token}`),
    post('/oauth/introspect', { token: issued.access_token }),
    post('/oauth/introspect', `token=${issued.access_token}`, basicAuth({ client_id: rs.client_id, client_secret: 'wrong' })),
    post('/oauth/introspect', `token=${issued.access_token}&client_id=${rs.client_id}`),
    post('/oauth/introspect', `token=${issued.access_token}`, { authorization: `Bearer ${issued.access_token}` }),
  ]) {
    const res = await g.app.inject(request);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().error, 'invalid_client');
    assert.equal(res.json().active, undefined, 'nothing about the token leaks');
    assert.match(String(res.headers['www-authenticate']), /^Basic realm="gatehouse"/);
    assert.equal(res.headers['cache-control'], 'no-store');
  }
  const missing = await g.app.inject(post('/oauth/introspect', '', basicAuth(rs)));
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().error, 'invalid_request');
  const malformed = await g.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { 'content-type': 'application/json', ...basicAuth(rs) }, payload: '{"token":' });
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error, 'invalid_request');
});

test('revoking a JWT puts its jti on the deny-list until it expires; introspection says inactive', async () => {
  const issued = await issueToken(g, owner);
  const { jti, exp } = decodeJwt(issued.access_token);
  const before = await snapshot(g);
  const res = await revoke(owner, `token=${issued.access_token}&token_type_hint=access_token`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {});
  assert.deepEqual(await introspect(g, rs, issued.access_token), { active: false });
  const row = await g.services.storage.db.selectFrom('revoked_jtis').selectAll().where('jti', '=', jti!).executeTakeFirstOrThrow();
  assert.equal(row.expires_at.getTime(), exp! * 1000, 'kept exactly as long as the token could be used');
  const events = await auditSince(g, before.lastAuditId);
  assert.deepEqual(events.map((e) => [e.action, e.outcome, e.client_id]), [['token.revoked', 'success', owner.client_id]]);
  assert.equal(events[0].details.jti, jti);
  // The deny-list survives a reload from the database (a restart, or the periodic refresh).
  await g.services.tokens.refreshRevocations();
  assert.deepEqual(await introspect(g, rs, issued.access_token), { active: false });
});

test('revoking an opaque token marks it revoked; introspection says inactive', async () => {
  const issued = await issueToken(g, opaqueOwner);
  const res = await revoke(opaqueOwner, { token: issued.access_token, client_id: opaqueOwner.client_id, client_secret: opaqueOwner.client_secret });
  assert.equal(res.statusCode, 400, 'Basic and body credentials at once');
  const ok = await g.app.inject(post('/oauth/revoke', { token: issued.access_token, client_id: opaqueOwner.client_id, client_secret: opaqueOwner.client_secret }));
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(await introspect(g, rs, issued.access_token), { active: false });
});

test('token_type_hint refresh_token on an access token still revokes it (the hint is only a hint)', async () => {
  const issued = await issueToken(g, owner);
  const res = await revoke(owner, `token=${issued.access_token}&token_type_hint=refresh_token`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(await introspect(g, rs, issued.access_token), { active: false });
});

test('unknown, invalid, expired and already revoked tokens: 200 and nothing changes (RFC 7009 §2.2)', async () => {
  const issued = await issueToken(g, owner);
  assert.equal((await revoke(owner, `token=${issued.access_token}`)).statusCode, 200);
  const expired = g.services.keystore.sign(claims({ exp: now() - 60 }));
  const before = await snapshot(g);
  for (const token of ['nonsense', 'gho_unknown', 'a.b.c', expired, issued.access_token]) {
    const res = await revoke(owner, `token=${encodeURIComponent(token)}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {});
  }
  assert.deepEqual((await snapshot(g)).state, before.state);
});

test('a client cannot revoke another client\'s token: refused, and the token stays active', async () => {
  for (const issued of [await issueToken(g, owner), await issueToken(g, opaqueOwner)]) {
    const before = await snapshot(g);
    const res = await revoke(other, `token=${issued.access_token}`);
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error, 'unauthorized_client');
    assert.deepEqual((await snapshot(g)).state, before.state);
    assert.equal((await introspect(g, rs, issued.access_token)).active, true);
  }
});

test('an unsupported token_type_hint is unsupported_token_type (RFC 7009 §2.2.1); the token stays active', async () => {
  const issued = await issueToken(g, owner);
  const before = await snapshot(g);
  const res = await revoke(owner, `token=${issued.access_token}&token_type_hint=id_token`);
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error, 'unsupported_token_type');
  assert.deepEqual((await snapshot(g)).state, before.state);
  assert.equal((await introspect(g, rs, issued.access_token)).active, true);
});

test('revocation requires client authentication and a token', async () => {
  const issued = await issueToken(g, owner);
  for (const request of [
    post('/oauth/revoke', `token=${issued.access_token}`),
    post('/oauth/revoke', `token=${issued.access_token}`, basicAuth({ client_id: owner.client_id, client_secret: 'wrong' })),
    post('/oauth/revoke', `token=${issued.access_token}&client_id=${owner.client_id}`),
  ]) {
    const res = await g.app.inject(request);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.json().error, 'invalid_client');
    assert.match(String(res.headers['www-authenticate']), /^Basic realm="gatehouse"/);
  }
  const missing = await revoke(owner, '');
  assert.equal(missing.statusCode, 400);
  assert.equal(missing.json().error, 'invalid_request');
  assert.equal((await introspect(g, rs, issued.access_token)).active, true);
});
