// The implicit grant for MSP apps (seed 002): a public client with implicit enabled gets an
// opaque, non-expiring token in the redirect's fragment; the token opens the MSP API until the
// user changes their password, is removed, or the token is revoked (RFC 7009, or the app
// removed from the dashboard), and then answers 401 at once, on every instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { admin, createClient, createTestDatabase, onPostgres, startGatehouse, testConfig } from './helpers.ts';
import { Browser, PASSWORD, authorize, codeClient, csrfOf, tenant, type Tenant } from './interactive-helpers.ts';

const REDIRECT = 'https://msp-app.example/accounts/login/';
const WEBHOOKS = '/api/msp/v1/webhooks';
const FORM = 'application/x-www-form-urlencoded';

/** An MSP app: a public client with the implicit grant and one fixed redirect URI. */
function mspApp(g: Gatehouse, body: Record<string, unknown> = {}) {
  return createClient(g, {
    name: 'MSP app',
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
    scopes: ['webhooks:manage'],
    redirect_uris: [REDIRECT],
    token_format: 'opaque',
    ...body,
  });
}

async function signedIn(g: Gatehouse, who: { email: string; password: string }): Promise<Browser> {
  const browser = new Browser(g);
  const res = await browser.login(who.email, who.password);
  assert.equal(res.statusCode, 303, `sign-in: ${res.body}`);
  return browser;
}

/** Authorise `app` in `browser` and return the fragment of the redirect. */
async function implicit(browser: Browser, app: { client_id: string }, extra: Record<string, string> = {}, decision: 'allow' | 'deny' = 'allow') {
  const url = await authorize(browser, { response_type: 'token', client_id: app.client_id, state: 'st-9', ...extra }, decision);
  assert.equal(url.search, '', 'nothing travels in the query');
  return { url, fragment: new URLSearchParams(url.hash.slice(1)) };
}

async function tokenFor(browser: Browser, app: { client_id: string }): Promise<string> {
  const token = (await implicit(browser, app)).fragment.get('access_token');
  assert.ok(token, 'an access token in the fragment');
  return token;
}

const msp = (g: Gatehouse, token: string) => g.app.inject({ method: 'GET', url: WEBHOOKS, headers: { authorization: `Bearer ${token}` } });

async function assertUnauthorised(g: Gatehouse, token: string, what: string) {
  const res = await msp(g, token);
  assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
  assert.match(String(res.headers['www-authenticate']), /error="invalid_token"/, what);
}

/** Change the password through the dashboard's form; the browser stays signed in. */
async function changePassword(browser: Browser, who: { password: string }, password: string) {
  const dashboard = await browser.get('/dashboard');
  assert.equal(dashboard.statusCode, 200);
  const res = await browser.post('/account/password', { csrf: csrfOf(dashboard.body), current: who.password, password, confirm: password });
  assert.equal(res.statusCode, 303, `password change: ${res.body}`);
  who.password = password;
}

test('the implicit grant for MSP apps', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const acme = await tenant(g);
  const app = await mspApp(g);
  const resourceServer = await createClient(g, { name: 'Resource server', scopes: [], introspect: true });
  const introspect = async (token: string) =>
    (
      await g.app.inject({
        method: 'POST',
        url: '/oauth/introspect',
        headers: { 'content-type': FORM },
        payload: new URLSearchParams({ token, client_id: resourceServer.client_id, client_secret: resourceServer.client_secret }).toString(),
      })
    ).json();

  await t.test('allow: <redirect_uri>#access_token=...&token_type=bearer&state=...&iss=...; deny: #error=access_denied', async () => {
    const browser = await signedIn(g, acme);
    const denied = await implicit(browser, app, { redirect_uri: REDIRECT }, 'deny');
    assert.equal(denied.url.origin + denied.url.pathname, REDIRECT);
    assert.equal(denied.fragment.get('error'), 'access_denied');
    assert.equal(denied.fragment.get('state'), 'st-9');
    assert.equal(denied.fragment.get('access_token'), null);
    for (const extra of [{ redirect_uri: REDIRECT }, {}] as Record<string, string>[]) {
      const { url, fragment } = await implicit(browser, app, extra);
      assert.ok(url.toString().startsWith(`${REDIRECT}#access_token=`), url.toString());
      assert.deepEqual([...fragment.keys()], ['access_token', 'token_type', 'scope', 'state', 'iss']);
      assert.equal(fragment.get('scope'), 'webhooks:manage', "an omitted scope is the app's whole allowance");
      assert.match(fragment.get('access_token')!, /^gho_/, 'opaque');
      assert.equal(fragment.get('token_type'), 'bearer');
      assert.equal(fragment.get('state'), 'st-9');
      assert.equal(fragment.get('iss'), 'http://gatehouse.test');
    }
  });

  await t.test('a client without implicit enabled hears unauthorized_client in the fragment', async () => {
    const codeOnly = await codeClient(g, { name: 'Code only', redirect_uris: [REDIRECT] });
    const browser = await signedIn(g, acme);
    const res = await browser.get(
      `/oauth/authorize?${new URLSearchParams({ response_type: 'token', client_id: codeOnly.client_id, state: 'st-9' }).toString()}`,
    );
    assert.equal(res.statusCode, 303);
    const url = new URL(res.headers.location as string);
    assert.equal(url.origin + url.pathname, REDIRECT);
    assert.equal(url.search, '');
    const fragment = new URLSearchParams(url.hash.slice(1));
    assert.equal(fragment.get('error'), 'unauthorized_client');
    assert.equal(fragment.get('state'), 'st-9');
    assert.equal(fragment.get('access_token'), null);
  });

  await t.test('tokens do not expire by default; the client option access_token_ttl gives them a lifetime', async () => {
    const browser = await signedIn(g, acme);
    const { fragment } = await implicit(browser, app);
    assert.equal(fragment.has('expires_in'), false);
    const forever = await introspect(fragment.get('access_token')!);
    assert.equal(forever.active, true);
    assert.equal(forever.exp, undefined);
    assert.equal(forever.client_id, app.client_id);
    assert.equal(forever.sub, acme.userId);
    const row = await g.services.storage.db
      .selectFrom('access_tokens')
      .select('expires_at')
      .where('client_id', '=', app.client_id)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(row.expires_at, null);

    const timed = await mspApp(g, { name: 'Timed MSP app', access_token_ttl: 600, token_format: 'jwt' });
    const short = await implicit(browser, timed);
    assert.equal(short.fragment.get('expires_in'), '600');
    assert.match(short.fragment.get('access_token')!, /^gho_/, 'implicit tokens are opaque whatever the client format');
    const claims = await introspect(short.fragment.get('access_token')!);
    assert.equal(claims.active, true);
    assert.ok(Math.abs(claims.exp - claims.iat - 600) <= 1, `exp - iat = ${claims.exp - claims.iat}`);
  });

  await t.test('the token opens the MSP API, and answers 401 at once after a password change', async () => {
    const browser = await signedIn(g, acme);
    const token = await tokenFor(browser, app);
    const ok = await msp(g, token);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().webhooks, []);
    await changePassword(browser, acme, 'a whole new password 123');
    await assertUnauthorised(g, token, 'after a password change');
    assert.equal((await introspect(token)).active, false);
    const again = await tokenFor(browser, app);
    assert.equal((await msp(g, again)).statusCode, 200, 'authorising again gives a working token');
  });

  await t.test("401 at once after the user's removal", async () => {
    const member = await g.services.storage.db
      .insertInto('users')
      .values({ id: 'member-implicit', organization_id: acme.organizationId, email: 'member.implicit@example.com', role: 'member' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await g.services.accounts.setPassword(member.id, PASSWORD);
    const token = await tokenFor(await signedIn(g, { email: member.email, password: PASSWORD }), app);
    assert.equal((await msp(g, token)).statusCode, 200);
    const removed = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/users/${member.id}`, headers: admin });
    assert.equal(removed.statusCode, 204);
    await assertUnauthorised(g, token, 'after the user was removed');
  });

  await t.test('401 at once after revocation at /oauth/revoke (RFC 7009) by the public client', async () => {
    const browser = await signedIn(g, acme);
    const token = await tokenFor(browser, app);
    const kept = await tokenFor(browser, app);
    assert.equal((await msp(g, token)).statusCode, 200);
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': FORM },
      payload: new URLSearchParams({ token, client_id: app.client_id }).toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    await assertUnauthorised(g, token, 'after /oauth/revoke');
    assert.equal((await msp(g, kept)).statusCode, 200, 'another token of the same user and app is untouched');
  });

  await t.test('the dashboard lists the authorised apps and revokes one (CSRF checked); its tokens answer 401', async () => {
    const other = await mspApp(g, { name: 'Other <MSP> app' });
    const browser = await signedIn(g, acme);
    const token = await tokenFor(browser, app);
    const otherToken = await tokenFor(browser, other);
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    const listed = /<table id="authorised-apps">[\s\S]*?<\/table>/.exec(dashboard.body)?.[0] ?? '';
    assert.match(listed, /<td>MSP app<\/td>/);
    assert.match(listed, /<td>Other &#60;MSP&#62; app<\/td>/, 'names are escaped');
    const action = `/account/apps/${app.client_id}/revoke`;
    assert.ok(listed.includes(`action="${action}"`), 'a Revoke form for the app');

    const forged = await browser.post(action, { csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await msp(g, token)).statusCode, 200, 'a forged revoke changes nothing');
    const intruder = await signedIn(g, await tenant(g, 'Other Vendor'));
    const theirs = await intruder.post(action, { csrf: csrfOf((await intruder.get('/dashboard')).body) });
    assert.equal(theirs.statusCode, 303);
    assert.equal((await msp(g, token)).statusCode, 200, "another user's revoke reaches only their own grants");

    const revoked = await browser.post(action, { csrf: csrfOf(dashboard.body) });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, '/dashboard');
    await assertUnauthorised(g, token, 'after the app was revoked on the dashboard');
    assert.equal((await msp(g, otherToken)).statusCode, 200, 'the other app keeps working');
    const after = (await browser.get('/dashboard')).body;
    assert.doesNotMatch(after, /<td>MSP app<\/td>/);
    assert.match(after, /<td>Other &#60;MSP&#62; app<\/td>/);
    const consent = await browser.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'token', client_id: app.client_id }).toString()}`);
    assert.equal(consent.statusCode, 200, 'the remembered consent was forgotten: the user is asked again');
  });
});

const skip = onPostgres ? false : 'needs TEST_DATABASE_URL (PostgreSQL): the embedded database admits one process';

test('two instances: a password change on A makes the token answer 401 on B at once', { skip }, async (t) => {
  const database = await createTestDatabase();
  const [a, b] = await Promise.all([buildApp(testConfig({}, database.url)), buildApp(testConfig({}, database.url))]);
  t.after(async () => {
    await Promise.all([a.close(), b.close()]);
    await database.drop();
  });
  const acme: Tenant = await tenant(a);
  const app = await mspApp(a);
  const onA = await signedIn(a, acme);
  for (let round = 0; round < 5; round++) {
    // Authorise on either instance; B serves the token until A has changed the password.
    const token = await tokenFor(round % 2 ? await signedIn(b, acme) : onA, app);
    assert.equal((await msp(b, token)).statusCode, 200, `round ${round}: B accepts the fresh token`);
    assert.equal((await msp(a, token)).statusCode, 200);
    await changePassword(onA, acme, `round ${round} new password`);
    await assertUnauthorised(b, token, `round ${round}: B right after A's answer`);
    await assertUnauthorised(a, token, `round ${round}: A`);
  }
});
