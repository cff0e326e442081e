// UserInfo (OpenID Connect Core §5.3) on a listening server, called with fetch: GET and POST,
// the token in the Authorization header (RFC 6750 §2.1) or a form body (§2.2), the claims each
// scope releases read fresh, and every refusal with its RFC 6750 §3 challenge: no token, a
// malformed one, two methods at once, the query method, unknown, revoked, without openid, a
// client's own token, a removed user, a changed password (JWT and opaque), plus CORS, audit,
// metrics and the per-address limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, basic, createClient, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { codeClient, codeFor, tenant, type Tenant } from './interactive-helpers.ts';

const IDENTITY = 'openid profile email organization';

let g: TestGatehouse;
let base: string;
let userinfo: string;
let who: Tenant;
let jwtClient: { client_id: string; client_secret: string };
let opaqueClient: { client_id: string; client_secret: string };

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  userinfo = `${base}/oauth/userinfo`;
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: base });
  await g.app.listen({ port, host: '127.0.0.1' });
  who = await tenant(g);
  // The identity scopes come with the authorization-code grant; read is the clients' own.
  jwtClient = await codeClient(g, { name: 'RP (JWT)', scopes: ['read'] });
  opaqueClient = await codeClient(g, { name: 'RP (opaque)', scopes: ['read'], token_format: 'opaque' });
});
after(() => g.stop());

/** A user access token from the authorization-code flow, as `t` signed in. */
async function userToken(client: { client_id: string; client_secret: string }, scope: string, t: Tenant = who): Promise<string> {
  const { code, verifier } = await codeFor(g, t, client, { scope });
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (headers: Record<string, string> = {}, url = userinfo) => fetch(url, { headers });
const postForm = (form: Record<string, string>, headers: Record<string, string> = {}, url = userinfo) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });

/** The three ways a token may come: GET and POST with the header, POST with the form body. */
const presentations = (token: string): [string, () => Promise<Response>][] => [
  ['GET, header', () => get(bearer(token))],
  ['POST, header', () => fetch(userinfo, { method: 'POST', headers: bearer(token) })],
  ['POST, form body', () => postForm({ access_token: token })],
];

/** Asserts an RFC 6750 §3 refusal: status, the challenge, and the body's error. */
async function refused(res: Response, status: number, challenge: RegExp, error: string) {
  const body = await res.text();
  assert.equal(res.status, status, body);
  assert.match(res.headers.get('www-authenticate') ?? '', challenge);
  assert.equal(JSON.parse(body).error, error);
  assert.equal(res.headers.get('access-control-allow-origin'), '*', 'a refusal is readable cross-origin too');
  return JSON.parse(body) as { error: string; error_description?: string };
}

test('the claims of openid profile email organization, by GET and POST, header and form body', async () => {
  const user = await g.services.users.get(who.userId);
  const organization = await g.services.organizations.find(who.organizationId);
  for (const client of [jwtClient, opaqueClient]) {
    const token = await userToken(client, `${IDENTITY} read`);
    for (const [how, call] of presentations(token)) {
      const res = await call();
      assert.equal(res.status, 200, `${client.client_id} ${how}: ${await res.clone().text()}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      const name = [user.first_name, user.last_name].filter(Boolean).join(' ');
      assert.deepEqual(await res.json(), {
        sub: who.userId,
        ...(name ? { name } : {}),
        ...(user.first_name ? { given_name: user.first_name } : {}),
        ...(user.last_name ? { family_name: user.last_name } : {}),
        updated_at: Math.floor(user.updated_at.getTime() / 1000),
        email: who.email,
        email_verified: user.email_verified,
        org_id: who.organizationId,
        org_name: organization!.name,
        org_role: 'owner',
      });
    }
  }
});

test('only the claims the scopes release: openid alone is sub alone; email adds email and email_verified', async () => {
  const bare = await (await get(bearer(await userToken(jwtClient, 'openid')))).json();
  assert.deepEqual(bare, { sub: who.userId });
  const email = (await (await get(bearer(await userToken(opaqueClient, 'openid email')))).json()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(email).sort(), ['email', 'email_verified', 'sub']);
});

test('claims are read at each call: a changed name shows at once', async () => {
  const token = await userToken(jwtClient, 'openid profile');
  await g.services.users.update(who.userId, { firstName: 'Renamed', lastName: 'Person' });
  const claims = (await (await get(bearer(token))).json()) as Record<string, unknown>;
  assert.equal(claims.name, 'Renamed Person');
  assert.equal(claims.given_name, 'Renamed');
  assert.equal(claims.family_name, 'Person');
});

test('no token: 401 with a challenge carrying no error attribute (RFC 6750 §3.1)', async () => {
  for (const res of [await get(), await fetch(userinfo, { method: 'POST' }), await get({ authorization: basic('someone', 'secret') })]) {
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="gatehouse"');
    await res.body?.cancel();
  }
});

test('a malformed credential is 400 invalid_request, in the header or the body', async () => {
  await refused(await get({ authorization: 'Bearer two tokens' }), 400, /^Bearer realm="gatehouse", error="invalid_request"/, 'invalid_request');
  await refused(await postForm({ access_token: 'not a token' }), 400, /error="invalid_request"/, 'invalid_request');
});

test('one method only (RFC 6750 §2): header and body at once, the query, a JSON body are 400 invalid_request', async () => {
  const token = await userToken(jwtClient, 'openid');
  const both = await refused(await postForm({ access_token: token }, bearer(token)), 400, /error="invalid_request"/, 'invalid_request');
  assert.match(both.error_description!, /both in the Authorization header and in the body/);
  for (const res of [await get({}, `${userinfo}?access_token=${token}`), await get(bearer(token), `${userinfo}?access_token=${token}`)]) {
    const query = await refused(res, 400, /error="invalid_request"/, 'invalid_request');
    assert.match(query.error_description!, /URL query/);
  }
  const queryPost = await refused(await postForm({}, {}, `${userinfo}?access_token=${token}`), 400, /error="invalid_request"/, 'invalid_request');
  assert.match(queryPost.error_description!, /URL query/);
  const json = await fetch(userinfo, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ access_token: token }) });
  const jsonBody = await refused(json, 400, /error="invalid_request"/, 'invalid_request');
  assert.match(jsonBody.error_description!, /form-encoded/);
});

test('an unknown or revoked token is 401 invalid_token', async () => {
  await refused(await get(bearer('gho_unknown')), 401, /error="invalid_token"/, 'invalid_token');
  await refused(await get(bearer('eyJhbGciOiJFUzI1NiJ9.e30.c2ln')), 401, /error="invalid_token"/, 'invalid_token');
  for (const client of [jwtClient, opaqueClient]) {
    const token = await userToken(client, 'openid');
    assert.equal((await get(bearer(token))).status, 200);
    const revoke = await fetch(`${base}/oauth/revoke`, {
      method: 'POST',
      headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    assert.equal(revoke.status, 200);
    for (const [, call] of presentations(token)) await refused(await call(), 401, /error="invalid_token"/, 'invalid_token');
  }
});

test('a token without openid is 403 insufficient_scope naming scope="openid"', async () => {
  const token = await userToken(jwtClient, 'read profile');
  for (const [, call] of presentations(token)) {
    await refused(await call(), 403, /^Bearer realm="gatehouse", error="insufficient_scope", scope="openid"/, 'insufficient_scope');
  }
});

test('a client-credentials token (no user) is 401 invalid_token saying why; the token endpoint gives such a client no openid', async () => {
  const client = await createClient(g, { name: 'Machine', grant_types: ['client_credentials'], scopes: ['openid', 'read'] });
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid read' }),
  });
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as { error: string }).error, 'invalid_scope');
  // A token for the client itself that carries openid all the same (issued before that rule):
  // the refusal is for the missing user.
  const issued = await g.services.tokens.issue({
    client: await g.services.clients.get(client.client_id),
    subject: client.client_id,
    scope: 'openid read',
    ttl: 60,
  });
  const body = await refused(await get(bearer(issued.token)), 401, /error="invalid_token", error_description="[^"]*client credentials/, 'invalid_token');
  assert.match(body.error_description!, /client credentials/);
});

test("a removed user's tokens are 401 invalid_token at once", async () => {
  const member = await g.services.users.add(who.organizationId, { email: 'mia.member@example.com', role: 'member', emailVerified: true });
  await g.services.accounts.setPassword(member.id, 'another horse battery staple');
  const t = { ...who, userId: member.id, email: member.email, password: 'another horse battery staple' };
  const tokens = [await userToken(jwtClient, IDENTITY, t), await userToken(opaqueClient, IDENTITY, t)];
  for (const token of tokens) assert.equal(((await (await get(bearer(token))).json()) as { sub: string }).sub, member.id);
  const removed = await fetch(`${base}/admin/api/v1/users/${member.id}`, { method: 'DELETE', headers: admin });
  assert.ok(removed.status < 300, `${removed.status}`);
  for (const token of tokens) await refused(await get(bearer(token)), 401, /error="invalid_token"/, 'invalid_token');
});

test('a changed password ends JWT and opaque tokens at once, before the grants are revoked', async () => {
  const member = await g.services.users.add(who.organizationId, { email: 'pat.password@example.com', role: 'member', emailVerified: true });
  await g.services.accounts.setPassword(member.id, 'first horse battery staple');
  const t = { ...who, userId: member.id, email: member.email, password: 'first horse battery staple' };
  const jwt = await userToken(jwtClient, IDENTITY, t);
  const opaque = await userToken(opaqueClient, IDENTITY, t);
  for (const token of [jwt, opaque]) assert.equal((await get(bearer(token))).status, 200);
  // The password alone, as the statement that stores it: the grants' revocation (and the JWT's
  // place on the deny-list) comes after it, so this is the window between the two.
  await g.services.accounts.setPassword(member.id, 'second horse battery staple');
  const active = await g.services.tokens.inspect(jwt);
  assert.equal(active?.active, true, 'the JWT itself is still unrevoked: only the check against its grant refuses it');
  for (const token of [jwt, opaque]) {
    for (const [, call] of presentations(token)) await refused(await call(), 401, /error="invalid_token"/, 'invalid_token');
  }
  // And once the grants are revoked, as a password change goes on to do.
  await g.services.accounts.revokeGrants(member.id);
  await refused(await get(bearer(jwt)), 401, /error="invalid_token"/, 'invalid_token');
});

test('CORS: a browser preflight is answered, and the answers are readable from any origin without credentials', async () => {
  const preflight = await fetch(userinfo, {
    method: 'OPTIONS',
    headers: { origin: 'https://spa.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
  assert.match(preflight.headers.get('access-control-allow-methods')!, /GET, POST/);
  assert.match(preflight.headers.get('access-control-allow-headers')!, /Authorization/);
  assert.equal(preflight.headers.get('access-control-allow-credentials'), null, 'never with cookies');
  const res = await get({ ...bearer(await userToken(jwtClient, 'openid')), origin: 'https://spa.example' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.equal(res.headers.get('access-control-expose-headers'), 'WWW-Authenticate');
  await res.body?.cancel();
});

test('refusals are audited (userinfo.refused, with the client when known) and counted in the metrics', async () => {
  const token = await userToken(jwtClient, 'read');
  const since = new Date();
  await refused(await get(bearer(token)), 403, /insufficient_scope/, 'insufficient_scope');
  await refused(await get(bearer('gho_nothing')), 401, /invalid_token/, 'invalid_token');
  await g.services.audit.flush();
  const events = await g.services.storage.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'userinfo.refused')
    .where('at', '>=', since)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((e) => [e.outcome, e.client_id, (e.details as { error: string }).error]),
    [
      ['failure', jwtClient.client_id, 'insufficient_scope'],
      ['failure', null, 'invalid_token'],
    ],
  );
  const metrics = await g.services.metrics.registry.getSingleMetricAsString('gatehouse_userinfo_total');
  assert.match(metrics, /gatehouse_userinfo_total\{outcome="answered"\} [1-9]/);
  assert.match(metrics, /gatehouse_userinfo_total\{outcome="insufficient_scope"\} [1-9]/);
});

test('the per-address limit of the OAuth endpoints holds on UserInfo', async () => {
  const limited = await startGatehouse({ GATEHOUSE_TOKEN_RATE_LIMIT_IP: '3' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.app.inject({ method: 'GET', url: '/oauth/userinfo' })).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
    const res = await limited.app.inject({ method: 'GET', url: '/oauth/userinfo' });
    assert.equal(res.json().error, 'too_many_requests');
  } finally {
    await limited.stop();
  }
});
