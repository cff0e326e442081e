// The token endpoint (RFC 6749 §3.2, §4.4, §5) with the client_credentials grant, end to end
// through the composition root: both body encodings, both client authentication methods,
// RFC 9068 JWTs under each signing algorithm, opaque tokens, rate limits, and every kind of bad
// input answered with the RFC error, no-store, a token.refused audit event and no database change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { sha256 } from '../src/crypto.ts';
import { admin, basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { assertTokenRefused, auditSince, snapshot } from './oauth-helpers.ts';

const ISSUER = 'http://gatehouse.test';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let g: TestGatehouse;
let c: { client_id: string; client_secret: string };

before(async () => {
  g = await startGatehouse();
  c = await createClient(g, { scopes: ['read', 'write'] });
});
after(() => g.stop());

function form(body: string, headers: Record<string, string> = {}): InjectOptions {
  return { method: 'POST', url: '/oauth/token', headers: { ...FORM, ...headers }, payload: body };
}

function json(body: object, headers: Record<string, string> = {}): InjectOptions {
  return { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(body) };
}

/** RFC 6749 §2.3.1 / Appendix B: form-urlencode each half before Basic encoding. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** A request the token endpoint must refuse (see assertTokenRefused). */
const refused = (request: InjectOptions, status: number, error: string, gh: TestGatehouse = g) => assertTokenRefused(gh, request, status, error);

async function jwks(gh: TestGatehouse) {
  const res = await gh.app.inject({ method: 'GET', url: '/oauth/jwks' });
  return { set: createLocalJWKSet(res.json()), keys: res.json().keys as { kid: string; kty: string; crv?: string; alg: string }[] };
}

test('client_secret_basic with a form body: a JWT per RFC 9068, no-store, audited', async () => {
  const before = await snapshot(g);
  const res = await g.app.inject(form('grant_type=client_credentials', { authorization: basic(c.client_id, c.client_secret) }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
  const body = res.json();
  assert.equal(body.token_type, 'Bearer');
  assert.equal(body.expires_in, 3600);
  assert.equal(body.scope, 'read write', 'an omitted scope is every scope of the client');
  assert.equal(body.refresh_token, undefined, 'RFC 6749 §4.4.3: no refresh token');

  const header = decodeProtectedHeader(body.access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(header.alg, 'ES256');
  const { set, keys } = await jwks(g);
  assert.ok(
    keys.some((k) => k.kid === header.kid),
    'the kid is in the JWKS',
  );
  const { payload } = await jwtVerify(body.access_token, set, { issuer: ISSUER, audience: ISSUER, typ: 'at+jwt', algorithms: ['ES256'] });
  assert.equal(payload.iss, ISSUER);
  assert.equal(payload.sub, c.client_id);
  assert.equal(payload.aud, ISSUER);
  assert.equal(payload.client_id, c.client_id);
  assert.equal(payload.scope, 'read write');
  assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs((payload.iat as number) - now) <= 5);
  assert.equal((payload.exp as number) - (payload.iat as number), 3600);

  // A JWT leaves no row behind; the grant is audited.
  const after = await snapshot(g);
  assert.deepEqual(after.state, before.state);
  const events = await auditSince(g, before.lastAuditId);
  assert.deepEqual(
    events.map((e) => [e.action, e.outcome, e.client_id]),
    [['token.issued', 'success', c.client_id]],
  );
  assert.equal(events[0].details.grant_type, 'client_credentials');
});

test('client_secret_basic with a JSON body; client_secret_post in form and JSON bodies', async () => {
  const cases: [string, InjectOptions][] = [
    ['basic + JSON', json({ grant_type: 'client_credentials', scope: 'read' }, { authorization: basic(c.client_id, c.client_secret) })],
    ['post + form', form(`grant_type=client_credentials&scope=read&client_id=${c.client_id}&client_secret=${c.client_secret}`)],
    ['post + JSON', json({ grant_type: 'client_credentials', scope: 'read', client_id: c.client_id, client_secret: c.client_secret })],
    [
      'JSON with a charset',
      {
        ...json({ grant_type: 'client_credentials', scope: 'read', client_id: c.client_id, client_secret: c.client_secret }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      },
    ],
  ];
  const { set } = await jwks(g);
  for (const [name, request] of cases) {
    const res = await g.app.inject(request);
    assert.equal(res.statusCode, 200, `${name}: ${res.body}`);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.json().scope, 'read', name);
    const { payload } = await jwtVerify(res.json().access_token, set, { issuer: ISSUER, typ: 'at+jwt' });
    assert.equal(payload.client_id, c.client_id, name);
  }
});

test('client_secret_basic form-urlencodes the id and secret before Base64 (RFC 6749 §2.3.1)', async () => {
  // Generated ids and secrets are base64url; a client registered with reserved characters shows the decoding.
  const id = 'svc:backup tool+1/ä';
  const secret = 'p@ss word:+%/é=';
  await g.services.storage.db
    .insertInto('clients')
    .values({
      id,
      name: 'odd characters',
      type: 'confidential',
      secret_hash: sha256(secret),
      grant_types: ['client_credentials'],
      scopes: ['read'],
      redirect_uris: [],
      post_logout_redirect_uris: [],
      token_format: 'jwt',
      access_token_ttl: null,
      allow_implicit: false,
      tenant_scope: false,
      skip_consent: false,
      launch_url: null,
      introspect: false,
    })
    .execute();
  const encoded = `Basic ${Buffer.from(`${formEncode(id)}:${formEncode(secret)}`).toString('base64')}`;
  const res = await g.app.inject(form('grant_type=client_credentials', { authorization: encoded }));
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(decodeProtectedHeader(res.json().access_token).typ, 'at+jwt');
  const { payload } = await jwtVerify(res.json().access_token, (await jwks(g)).set);
  assert.equal(payload.client_id, id);
  // Percent-encoded spaces work as well as '+'.
  const percent = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  assert.equal((await g.app.inject(form('grant_type=client_credentials', { authorization: percent }))).statusCode, 200);
  // Without the encoding, the colon in the id splits it in the wrong place.
  const raw = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  await refused(form('grant_type=client_credentials', { authorization: raw }), 401, 'invalid_client');
});

test('scope: omitted means all, a subset is granted as asked, beyond the allowance is invalid_scope', async () => {
  const auth = { authorization: basic(c.client_id, c.client_secret) };
  const some = await g.app.inject(form('grant_type=client_credentials&scope=write', auth));
  assert.equal(some.json().scope, 'write');
  const repeated = await g.app.inject(form('grant_type=client_credentials&scope=write%20read%20write', auth));
  assert.equal(repeated.json().scope, 'write read');
  const res = await refused(form('grant_type=client_credentials&scope=read%20admin', auth), 400, 'invalid_scope');
  assert.match(res.json().error_description, /admin/);
  await refused(json({ grant_type: 'client_credentials', scope: 'delete' }, auth), 400, 'invalid_scope');
  const none = await createClient(g, { scopes: [] });
  const empty = await g.app.inject(form('grant_type=client_credentials', { authorization: basic(none.client_id, none.client_secret) }));
  assert.equal(empty.statusCode, 200);
  assert.equal(empty.json().scope, '');
  await refused(form('grant_type=client_credentials&scope=read', { authorization: basic(none.client_id, none.client_secret) }), 400, 'invalid_scope');
});

test('client authentication failures are 401 invalid_client with WWW-Authenticate', async () => {
  await refused(form('grant_type=client_credentials'), 401, 'invalid_client');
  await refused(json({ grant_type: 'client_credentials' }), 401, 'invalid_client');
  await refused(form('grant_type=client_credentials', { authorization: basic(c.client_id, 'wrong-secret') }), 401, 'invalid_client');
  await refused(form(`grant_type=client_credentials&client_id=${c.client_id}&client_secret=wrong`), 401, 'invalid_client');
  await refused(json({ grant_type: 'client_credentials', client_id: c.client_id, client_secret: `${c.client_secret}x` }), 401, 'invalid_client');
  await refused(form('grant_type=client_credentials', { authorization: basic('no-such-client', c.client_secret) }), 401, 'invalid_client');
  await refused(form(`grant_type=client_credentials&client_id=${c.client_id}`), 401, 'invalid_client');
  await refused(form(`grant_type=client_credentials&client_secret=${c.client_secret}`), 401, 'invalid_client');
  await refused(form('grant_type=client_credentials', { authorization: 'Basic !!!' }), 401, 'invalid_client');
  await refused(form('grant_type=client_credentials', { authorization: `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}` }), 401, 'invalid_client');
});

test('credentials in both the Authorization header and the body are invalid_request (RFC 6749 §2.3)', async () => {
  const auth = { authorization: basic(c.client_id, c.client_secret) };
  const res = await refused(form(`grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}`, auth), 400, 'invalid_request');
  assert.match(res.json().error_description, /both/);
  await refused(json({ grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret }, auth), 400, 'invalid_request');
  // A client_id in the body naming another client than the header is just as ambiguous.
  await refused(form('grant_type=client_credentials&client_id=someone-else', auth), 400, 'invalid_request');
});

test('a public client cannot use client_credentials; a confidential one needs the grant', async () => {
  const rejected = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/clients',
    headers: admin,
    payload: { name: 'spa', type: 'public', grant_types: ['client_credentials'] },
  });
  assert.equal(rejected.statusCode, 400);
  assert.match(rejected.json().error.message, /public client/);
  const spa = await createClient(g, { type: 'public', grant_types: ['authorization_code'], redirect_uris: ['https://spa.example/cb'] });
  assert.equal(spa.client_secret, null);
  await refused(form(`grant_type=client_credentials&client_id=${spa.client_id}`), 401, 'invalid_client');
  await refused(form(`grant_type=client_credentials&client_id=${spa.client_id}&client_secret=anything`), 401, 'invalid_client');
  await refused(form('grant_type=client_credentials', { authorization: basic(spa.client_id, '') }), 401, 'invalid_client');

  const codeOnly = await createClient(g, { grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'] });
  const res = await refused(
    form('grant_type=client_credentials', { authorization: basic(codeOnly.client_id, codeOnly.client_secret) }),
    400,
    'unauthorized_client',
  );
  assert.match(res.json().error_description, /client_credentials/);
});

test('grant_type: missing is invalid_request, unknown is unsupported_grant_type', async () => {
  const auth = { authorization: basic(c.client_id, c.client_secret) };
  await refused(form('scope=read', auth), 400, 'invalid_request');
  await refused(form('grant_type=', auth), 400, 'invalid_request');
  await refused(json({}, auth), 400, 'invalid_request');
  const res = await refused(form('grant_type=password&username=a&password=b', auth), 400, 'unsupported_grant_type');
  assert.match(res.json().error_description, /password/);
  await refused(json({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code' }, auth), 400, 'unsupported_grant_type');
});

test('malformed bodies: bad JSON, wrong types, wrong content type, repeated parameters, no body', async () => {
  const auth = { authorization: basic(c.client_id, c.client_secret) };
  await refused(
    { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...auth }, payload: '{"grant_type": "client_credentials"' },
    400,
    'invalid_request',
  );
  await refused(
    { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/json', ...auth }, payload: '["grant_type"]' },
    400,
    'invalid_request',
  );
  await refused(json({ grant_type: 5 }, auth), 400, 'invalid_request');
  await refused(json({ grant_type: 'client_credentials', scope: ['read'] }, auth), 400, 'invalid_request');
  await refused(
    { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'text/plain', ...auth }, payload: 'grant_type=client_credentials' },
    400,
    'invalid_request',
  );
  await refused(
    { method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/xml', ...auth }, payload: '<grant_type>client_credentials</grant_type>' },
    400,
    'invalid_request',
  );
  await refused({ method: 'POST', url: '/oauth/token', headers: auth }, 400, 'invalid_request');
  // RFC 6749 §3.2: request parameters MUST NOT be included more than once.
  await refused(form('grant_type=client_credentials&grant_type=client_credentials', auth), 400, 'invalid_request');
  await refused(form('grant_type=client_credentials&scope=read&scope=write', auth), 400, 'invalid_request');
  await refused(
    form(`grant_type=client_credentials&client_id=${c.client_id}&client_id=${c.client_id}&client_secret=${c.client_secret}`),
    400,
    'invalid_request',
  );
  // A NUL character cannot reach the database: 400, and the refusal is still audited.
  await refused(form('grant_type=client_credentials', { authorization: basic('nul\u0000client', 'x') }), 400, 'invalid_request');
  await refused(json({ grant_type: 'client_credentials', client_id: 'nul\u0000client', client_secret: 'x' }), 400, 'invalid_request');
  await refused(form('grant_type=client_credentials&client_id=nul%00client&client_secret=x'), 400, 'invalid_request');
});

test('token_format opaque: random, stored only as SHA-256, introspectable and revocable', async () => {
  const oc = await createClient(g, { token_format: 'opaque', scopes: ['read'] });
  const auth = { authorization: basic(oc.client_id, oc.client_secret) };
  const res = await g.app.inject(form('grant_type=client_credentials', auth));
  assert.equal(res.statusCode, 200, res.body);
  const token = res.json().access_token as string;
  assert.equal(res.json().expires_in, 3600);
  assert.equal(token.split('.').length, 1, 'not a JWT');
  assert.ok(token.length >= 40);
  const rows = await g.services.storage.db.selectFrom('access_tokens').selectAll().where('client_id', '=', oc.client_id).execute();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].token_hash, sha256(token));
  const everything = await g.services.storage.db.selectFrom('access_tokens').selectAll().execute();
  assert.ok(!JSON.stringify(everything).includes(token), 'the raw token appears nowhere in access_tokens');

  const introspect = () => g.app.inject({ method: 'POST', url: '/oauth/introspect', headers: { ...FORM, ...auth }, payload: `token=${token}` });
  const active = await introspect();
  assert.equal(active.json().active, true);
  assert.equal(active.json().client_id, oc.client_id);
  assert.equal(active.json().scope, 'read');
  const revoke = await g.app.inject({
    method: 'POST',
    url: '/oauth/revoke',
    headers: { ...FORM, ...auth },
    payload: `token=${token}&token_type_hint=access_token`,
  });
  assert.equal(revoke.statusCode, 200);
  assert.deepEqual((await introspect()).json(), { active: false });
});

test('a client access_token_ttl sets expires_in and exp', async () => {
  const short = await createClient(g, { access_token_ttl: 120 });
  const res = await g.app.inject(form('grant_type=client_credentials', { authorization: basic(short.client_id, short.client_secret) }));
  assert.equal(res.json().expires_in, 120);
  const { payload } = await jwtVerify(res.json().access_token, (await jwks(g)).set);
  assert.equal((payload.exp as number) - (payload.iat as number), 120);
});

test('EdDSA and RS256 by GATEHOUSE_SIGNING_ALG', async () => {
  for (const [alg, kty] of [
    ['EdDSA', 'OKP'],
    ['RS256', 'RSA'],
  ]) {
    const other = await startGatehouse({ GATEHOUSE_SIGNING_ALG: alg });
    try {
      const oc = await createClient(other);
      const res = await other.app.inject(form('grant_type=client_credentials', { authorization: basic(oc.client_id, oc.client_secret) }));
      assert.equal(res.statusCode, 200, res.body);
      const { set, keys } = await jwks(other);
      assert.ok(keys.length >= 2 && keys.every((k) => k.kty === kty && k.alg === alg), JSON.stringify(keys));
      if (alg === 'EdDSA') assert.ok(keys.every((k) => k.crv === 'Ed25519'));
      const { payload, protectedHeader } = await jwtVerify(res.json().access_token, set, {
        issuer: ISSUER,
        audience: ISSUER,
        typ: 'at+jwt',
        algorithms: [alg],
      });
      assert.equal(protectedHeader.alg, alg);
      assert.ok(keys.some((k) => k.kid === protectedHeader.kid));
      assert.equal(payload.client_id, oc.client_id);
      // Introspection verifies with the same key.
      const intro = await other.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: { ...FORM, authorization: basic(oc.client_id, oc.client_secret) },
        payload: `token=${res.json().access_token}`,
      });
      assert.equal(intro.json().active, true);
    } finally {
      await other.stop();
    }
  }
});

test('limits: oversized bodies are 413, rate limits answer 429 with Retry-After', async () => {
  const limited = await startGatehouse({ GATEHOUSE_BODY_LIMIT: '1024', GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '2', GATEHOUSE_TOKEN_RATE_LIMIT_IP: '4' });
  try {
    const a = await createClient(limited);
    const b = await createClient(limited);
    const d = await createClient(limited);
    const token = (client: { client_id: string; client_secret: string }, ip: string): InjectOptions => ({
      ...form('grant_type=client_credentials', { authorization: basic(client.client_id, client.client_secret) }),
      remoteAddress: ip,
    });

    const big = await refused(
      { ...form(`grant_type=client_credentials&pad=${'x'.repeat(2000)}`, { authorization: basic(a.client_id, a.client_secret) }), remoteAddress: '10.0.0.9' },
      413,
      'invalid_request',
      limited,
    );
    assert.match(big.json().error_description, /too large/);
    await refused(
      {
        ...json({ grant_type: 'client_credentials', pad: 'x'.repeat(2000) }, { authorization: basic(a.client_id, a.client_secret) }),
        remoteAddress: '10.0.0.9',
      },
      413,
      'invalid_request',
      limited,
    );

    // Per client, whatever the address.
    assert.equal((await limited.app.inject(token(a, '10.0.0.1'))).statusCode, 200);
    assert.equal((await limited.app.inject(token(a, '10.0.0.2'))).statusCode, 200);
    let before = await snapshot(limited);
    const perClient = await limited.app.inject(token(a, '10.0.0.3'));
    assert.equal(perClient.statusCode, 429, perClient.body);
    assert.ok(Number(perClient.headers['retry-after']) > 0, String(perClient.headers['retry-after']));
    assert.equal(perClient.json().error, 'too_many_requests');
    assert.equal(perClient.headers['cache-control'], 'no-store');
    // Other clients are not affected.
    assert.equal((await limited.app.inject(token(b, '10.0.0.3'))).statusCode, 200);

    // Per address, whatever the client: the fifth request from one address.
    const e = await createClient(limited);
    for (const client of [d, d, e, e]) assert.equal((await limited.app.inject(token(client, '10.0.0.4'))).statusCode, 200);
    const fresh = await createClient(limited);
    before = await snapshot(limited);
    const perIp = await limited.app.inject(token(fresh, '10.0.0.4'));
    assert.equal(perIp.statusCode, 429, perIp.body);
    assert.ok(Number(perIp.headers['retry-after']) > 0);
    assert.equal(perIp.json().error, 'too_many_requests');
    assert.equal(typeof perIp.json().error_description, 'string');
    assert.equal((await limited.app.inject(token(fresh, '10.0.0.5'))).statusCode, 200, 'another address is not affected');
    assert.deepEqual((await snapshot(limited)).state, before.state, 'throttled requests change nothing');
  } finally {
    await limited.stop();
  }
});
