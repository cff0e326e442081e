// OEM API, seed 000 steps 3 and 4: POST /api/oem-api/organization/session, then the one-time
// login link, the browser session and the organization dashboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { createExternalIntegration, createOrganization, createVendor, credentials, organizationData, type TestVendor } from './oem-helpers.ts';

const URL = '/api/oem-api/organization/session';

async function session(g: TestGatehouse, v: TestVendor, organizationOemToken: string, extra: Record<string, unknown> = {}) {
  return g.app.inject({ method: 'POST', url: URL, payload: { ...credentials(v), organizationOemToken, ...extra } });
}

/** Open a redirectUrl the way a browser would; returns the response and the session cookie. */
async function open(g: TestGatehouse, redirectUrl: string) {
  const res = await g.app.inject({ method: 'GET', url: new globalThis.URL(redirectUrl).pathname });
  const setCookie = res.headers['set-cookie'];
  const cookie = typeof setCookie === 'string' ? setCookie : setCookie?.[0];
  return { res, cookie, pair: cookie?.split(';')[0] };
}

async function sessionCount(g: TestGatehouse) {
  return (await g.services.storage.db.selectFrom('browser_sessions').select('id_hash').execute()).length;
}

test('session creation and the login link', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor, organizationData({ name: 'Wisozk <Inc> & "Sons"', vendorUserId: 'owner-1' }));

  let redirectUrl = '';
  await t.test('the seed body gives the seed response', async () => {
    const res = await g.app.inject({
      method: 'POST',
      url: URL,
      payload: {
        clientId: vendor.client_id,
        clientSecret: vendor.client_secret,
        grantType: 'client_credentials',
        scope: 'vendor_manage',
        organizationOemToken: org.organizationOemToken,
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(Object.keys(res.json()), ['status', 'message', 'redirectUrl']);
    assert.equal(res.json().status, 201);
    assert.equal(res.json().message, 'Success: session created');
    redirectUrl = res.json().redirectUrl;
    assert.match(redirectUrl, /^http:\/\/gatehouse\.test\/login-link\/[A-Za-z0-9_-]{43}$/);
    const token = redirectUrl.split('/').pop()!;
    const rows = await g.services.storage.db.selectFrom('login_links').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(token), 'stored hashed');
    const ttl = rows[0].expires_at.getTime() - rows[0].created_at.getTime();
    assert.ok(Math.abs(ttl - 300_000) < 5000, `5 minutes by default, got ${ttl} ms`);
  });

  await t.test('opening it starts a session and lands on the dashboard; the dashboard escapes everything', async () => {
    const { res, cookie, pair } = await open(g, redirectUrl);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/dashboard');
    assert.match(cookie!, /^gh_session=[A-Za-z0-9_-]{43};/);
    assert.match(cookie!, /HttpOnly/);
    assert.match(cookie!, /SameSite=Lax/);
    assert.doesNotMatch(cookie!, /Secure/);
    const dash = await g.app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: pair! } });
    assert.equal(dash.statusCode, 200);
    assert.match(dash.headers['content-type'] as string, /text\/html/);
    assert.match(dash.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.ok(dash.body.includes('Wisozk &#60;Inc&#62; &#38; &#34;Sons&#34;'));
    assert.ok(!dash.body.includes('<Inc>'));
    assert.match(dash.body, /Ansley Parisian/);
    const stored = await g.services.storage.db.selectFrom('browser_sessions').selectAll().execute();
    assert.equal(stored.length, 1);
    assert.ok(!JSON.stringify(stored).includes(pair!.split('=')[1]), 'session id stored hashed');
  });

  await t.test('a link used twice: the second time is a clear 410 page and starts no session', async () => {
    const before = await sessionCount(g);
    const { res, cookie } = await open(g, redirectUrl);
    assert.equal(res.statusCode, 410);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    assert.match(res.body, /already been used/);
    assert.equal(cookie, undefined);
    assert.equal(await sessionCount(g), before);
  });

  await t.test('two racing openings of one link: exactly one session', async () => {
    const fresh = (await session(g, vendor, org.organizationOemToken)).json().redirectUrl;
    const before = await sessionCount(g);
    const results = await Promise.all([open(g, fresh), open(g, fresh), open(g, fresh)]);
    assert.deepEqual(
      results.map((r) => r.res.statusCode).sort((a, b) => a - b),
      [303, 410, 410],
    );
    assert.equal(await sessionCount(g), before + 1);
  });

  await t.test('an unknown link is a 404 page', async () => {
    const { res, cookie } = await open(g, 'http://gatehouse.test/login-link/nonsense');
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /not valid/);
    assert.equal(cookie, undefined);
  });

  await t.test('the dashboard without a session is a 401 page', async () => {
    const res = await g.app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(res.statusCode, 401);
    assert.match(res.body, /not signed in/);
    assert.match(res.body, /href="\/login\?return_to=%2Fdashboard"/, 'offers the sign-in page');
    const forged = await g.app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: 'gh_session=forged' } });
    assert.equal(forged.statusCode, 401);
  });

  await t.test('vendorUserId picks the user; an unknown one is 404 NOT_FOUND', async () => {
    const res = await session(g, vendor, org.organizationOemToken, { vendorUserId: 'owner-1' });
    assert.equal(res.statusCode, 201);
    const link = await g.services.storage.db
      .selectFrom('login_links')
      .innerJoin('users', 'users.id', 'login_links.user_id')
      .select('users.vendor_user_id')
      .orderBy('login_links.created_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(link.vendor_user_id, 'owner-1');
    const missing = await session(g, vendor, org.organizationOemToken, { vendorUserId: 'nobody' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'NOT_FOUND');
  });

  await t.test("403 for an unknown organization token or another vendor's; 401 for a bad client; 400 malformed", async () => {
    const unknown = await session(g, vendor, 'ghorg_unknown');
    assert.equal(unknown.statusCode, 403);
    assert.deepEqual(unknown.json(), { status: 403, error: 'VENDOR_NOT_AUTHORIZED', message: 'Invalid organization token' });
    const other = await createVendor(g, 'Other');
    const foreign = await session(g, other, org.organizationOemToken);
    assert.equal(foreign.statusCode, 403);
    const badClient = await g.app.inject({
      method: 'POST',
      url: URL,
      payload: { ...credentials(vendor), clientSecret: 'nope', organizationOemToken: org.organizationOemToken },
    });
    assert.equal(badClient.statusCode, 401);
    assert.equal(badClient.json().error, 'INVALID_CLIENT');
    const malformed = await g.app.inject({ method: 'POST', url: URL, payload: { ...credentials(vendor) } });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.json().message, /body\/organizationOemToken is required/);
  });

  await t.test('the dashboard lists integrations', async () => {
    await createExternalIntegration(g, vendor, org.organizationId);
    const link = (await session(g, vendor, org.organizationOemToken)).json().redirectUrl;
    const { pair } = await open(g, link);
    const dash = await g.app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: pair! } });
    assert.match(dash.body, /Acme Backup/);
    assert.match(dash.body, /external/);
    assert.match(dash.body, /pending/);
  });

  await t.test('events and audit', async () => {
    const types = (await g.services.storage.db.selectFrom('outbox_events').select('type').execute()).map((e) => e.type);
    assert.ok(types.includes('session.created'));
    assert.equal(types.filter((x) => x === 'user.first_login').length, 1);
    const actions = (await g.services.audit.list({ limit: 1000 })).map((e) => e.action);
    for (const a of ['login_link.created', 'login_link.used', 'login_link.refused']) assert.ok(actions.includes(a), a);
  });
});

test('a login link used after it expired is refused and starts no session', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_LOGIN_LINK_TTL: '1' });
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);
  const link = (await session(g, vendor, org.organizationOemToken)).json().redirectUrl;
  await sleep(1100);
  const { res, cookie } = await open(g, link);
  assert.equal(res.statusCode, 410);
  assert.match(res.body, /expired/);
  assert.equal(cookie, undefined);
  assert.equal(await sessionCount(g), 0);
});

test('the session cookie is Secure when the public URL is https', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: 'https://gatehouse.example' });
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);
  const link = (await session(g, vendor, org.organizationOemToken)).json().redirectUrl;
  assert.match(link, /^https:\/\/gatehouse\.example\/login-link\//);
  const { cookie } = await open(g, link);
  assert.match(cookie!, /; Secure/);
});
