// Signing in: argon2id, CSRF on every form, one message whether or not the account exists,
// throttling per account and address pair and per address (the whole design is tested in
// login-throttle-locks-everyone-out.test.ts); logout; one-time links to set a
// password; the OEM session link; changing the password on the dashboard; removing a user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOGIN_LIMITS, throttleKeys } from '../src/accounts/throttle.ts';
import { admin, startGatehouse } from './helpers.ts';
import { Browser, csrfOf, PASSWORD, tenant } from './interactive-helpers.ts';
import { createOrganization, createVendor, credentials, organizationData } from './oem-helpers.ts';

const errorText = (html: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1];

test('sign-in, throttling, password links and password changes', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const db = g.services.storage.db;
  const alice = await tenant(g);

  await t.test('passwords are stored as argon2id with OWASP parameters', async () => {
    const row = await db.selectFrom('users').select('password_hash').where('id', '=', alice.userId).executeTakeFirstOrThrow();
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  await t.test('the sign-in page sets a CSRF cookie and field; a post without them is refused', async () => {
    const browser = new Browser(g);
    const page = await browser.get('/login');
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    assert.ok(browser.cookies.has('gh_csrf'));
    const csrf = csrfOf(page.body);
    const noToken = await browser.post('/login', { email: alice.email, password: alice.password, csrf: 'x' });
    assert.equal(noToken.statusCode, 403);
    const stranger = new Browser(g); // the token without the cookie it was derived from
    assert.equal((await stranger.post('/login', { email: alice.email, password: alice.password, csrf })).statusCode, 403);
    assert.equal(browser.cookies.has('gh_session'), false);
  });

  await t.test('the same answer whether or not the account exists', async () => {
    const browser = new Browser(g, '10.0.0.1');
    const wrong = await browser.login(alice.email, 'not the password');
    const unknown = await browser.login('nobody@example.com', 'not the password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(errorText(wrong.body), 'Incorrect email or password.');
    assert.equal(errorText(unknown.body), errorText(wrong.body));
    await db.deleteFrom('login_throttle').execute();
  });

  await t.test('a good password starts a session and lands on the dashboard; never an open redirect', async () => {
    const browser = new Browser(g);
    const res = await browser.login(alice.email.toUpperCase(), alice.password);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/dashboard');
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] as string[]).find((c) => c.startsWith('gh_session='))!;
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    const dash = await browser.get('/dashboard');
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /Authorised apps/);
    assert.match(dash.body, /Change password/);
    for (const target of ['https://evil.example/', '//evil.example/x', '/oauth/authorize\\@evil', '/admin']) {
      const b = new Browser(g);
      const r = await b.login(alice.email, alice.password, target);
      assert.equal(r.headers.location, '/dashboard', target);
    }
    await g.services.audit.flush();
    const events = await g.services.audit.list({ action: 'login.succeeded' });
    assert.ok(events.some((e) => e.actor === alice.userId));
    const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /gatehouse_logins_total\{outcome="success"\} \d+/);
    assert.match(metrics, /gatehouse_logins_total\{outcome="failure"\} \d+/);
  });

  await t.test(
    'per account and address: five failures, then refused until the window passes; unknown accounts alike; even the right password waits',
    async () => {
      const bob = await tenant(g, 'Bob Vendor');
      for (const email of [bob.email, 'ghost@example.com']) {
        const ip = `10.1.0.${email.length}`;
        const browser = new Browser(g, ip);
        for (let i = 1; i <= LOGIN_LIMITS.pair.attempts; i++) assert.equal((await browser.login(email, 'wrong')).statusCode, 401, `attempt ${i}`);
        const blocked = await browser.login(email, email === bob.email ? bob.password : 'wrong');
        assert.equal(blocked.statusCode, 429);
        const wait = Number(blocked.headers['retry-after']);
        assert.ok(wait > 0 && wait <= LOGIN_LIMITS.pair.windowMs / 1000, `Retry-After ${wait}`);
        assert.match(errorText(blocked.body)!, /^Too many sign-in attempts\. Try again in \d+ minutes\.$/);
        // Let the window pass: the pair answers again.
        await db
          .updateTable('login_throttle')
          .set({ window_ends_at: new Date(Date.now() - 1) })
          .where('key', '=', throttleKeys(email, ip).pair)
          .execute();
        assert.equal((await browser.login(email, 'wrong')).statusCode, 401);
      }
      await db.deleteFrom('login_throttle').execute();
      const ok = await new Browser(g, '10.1.0.99').login(bob.email, bob.password);
      assert.equal(ok.statusCode, 303);
    },
  );

  await t.test('per address: a hundred failures across accounts, then that address waits (others do not)', async () => {
    const attacker = new Browser(g, '10.2.0.1');
    for (let i = 0; i < LOGIN_LIMITS.address.attempts; i++)
      assert.equal((await attacker.login(`user${i}@example.com`, 'wrong')).statusCode, 401, `attempt ${i}`);
    const blocked = await attacker.login(alice.email, alice.password);
    assert.equal(blocked.statusCode, 429);
    const elsewhere = await new Browser(g, '10.2.0.2').login(alice.email, alice.password);
    assert.equal(elsewhere.statusCode, 303);
    await db.deleteFrom('login_throttle').execute();
  });

  await t.test('logout ends the session', async () => {
    const browser = new Browser(g);
    await browser.login(alice.email, alice.password);
    const dash = await browser.get('/dashboard');
    const out = await browser.post('/logout', { csrf: csrfOf(dash.body) });
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/login');
    assert.equal((await browser.get('/dashboard')).statusCode, 401);
  });

  const vendor = await createVendor(g, 'Linked Vendor');
  const data = organizationData();
  const org = await createOrganization(g, vendor, data);
  const owner = (await g.services.organizations.users(org.organizationId))[0];

  await t.test('OEM users have no password; the OEM session link signs them in', async () => {
    const refused = await new Browser(g, '10.3.0.1').login(data.email as string, PASSWORD);
    assert.equal(refused.statusCode, 401);
    const session = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken },
    });
    const browser = new Browser(g);
    const opened = await browser.get(new URL(session.json().redirectUrl).pathname);
    assert.equal(opened.statusCode, 303);
    const dash = await browser.get('/dashboard');
    assert.equal(dash.statusCode, 200);
    assert.match(dash.body, /You have no password yet/);
  });

  await t.test('a one-time admin link sets a password: the page does not spend it, the form does, once', async () => {
    const missing = await g.app.inject({ method: 'POST', url: '/admin/api/v1/users/nope/password-link', headers: admin });
    assert.equal(missing.statusCode, 404);
    const created = await g.app.inject({ method: 'POST', url: `/admin/api/v1/users/${owner.id}/password-link`, headers: admin });
    assert.equal(created.statusCode, 201, created.body);
    const { url, expires_at } = created.json();
    assert.match(url, /^http:\/\/gatehouse\.test\/password\/set\/[A-Za-z0-9_-]{43}$/);
    assert.ok(Math.abs(new Date(expires_at).getTime() - Date.now() - 86_400_000) < 10_000);
    const path = new URL(url).pathname;
    const stored = await db.selectFrom('password_links').selectAll().execute();
    assert.ok(!JSON.stringify(stored).includes(path.split('/').pop()!), 'stored hashed');
    const browser = new Browser(g);
    const form = await browser.get(path);
    assert.equal(form.statusCode, 200);
    assert.equal((await browser.get(path)).statusCode, 200, 'viewing does not spend it');
    const csrf = csrfOf(form.body);
    const differ = await browser.post(path, { csrf, password: 'a long new password', confirm: 'another one entirely' });
    assert.equal(differ.statusCode, 400);
    const short = await browser.post(path, { csrf, password: 'short', confirm: 'short' });
    assert.equal(short.statusCode, 400);
    const set = await browser.post(path, { csrf, password: 'a long new password', confirm: 'a long new password' });
    assert.equal(set.statusCode, 303);
    assert.equal(set.headers.location, '/dashboard');
    assert.equal((await browser.get('/dashboard')).statusCode, 200, 'signed in');
    const fresh = new Browser(g);
    const again = await fresh.post(path, { csrf: csrfOf((await fresh.get('/login')).body), password: 'yet another password', confirm: 'yet another password' });
    assert.equal(again.statusCode, 410);
    assert.equal((await new Browser(g).get(path)).statusCode, 410);
    const login = await new Browser(g, '10.3.0.2').login(data.email as string, 'a long new password');
    assert.equal(login.statusCode, 303);
  });

  await t.test('changing the password on the dashboard: needs the current one, ends other sessions, keeps this one', async () => {
    const here = new Browser(g, '10.4.0.1');
    const elsewhere = new Browser(g, '10.4.0.2');
    await here.login(alice.email, alice.password);
    await elsewhere.login(alice.email, alice.password);
    const before = await db.selectFrom('users').select('credential_version').where('id', '=', alice.userId).executeTakeFirstOrThrow();
    const csrf = csrfOf((await here.get('/dashboard')).body);
    const wrong = await here.post('/account/password', { csrf, current: 'nope', password: 'brand new password', confirm: 'brand new password' });
    assert.equal(wrong.statusCode, 400);
    const noCsrf = await here.post('/account/password', { csrf: 'x', current: alice.password, password: 'brand new password', confirm: 'brand new password' });
    assert.equal(noCsrf.statusCode, 403);
    const changed = await here.post('/account/password', { csrf, current: alice.password, password: 'brand new password', confirm: 'brand new password' });
    assert.equal(changed.statusCode, 303);
    const after = await db.selectFrom('users').select('credential_version').where('id', '=', alice.userId).executeTakeFirstOrThrow();
    assert.equal(after.credential_version, before.credential_version + 1);
    assert.equal((await here.get('/dashboard')).statusCode, 200, 'this browser stays signed in');
    assert.equal((await elsewhere.get('/dashboard')).statusCode, 401, 'every other session ended');
    assert.equal((await new Browser(g, '10.4.0.3').login(alice.email, alice.password)).statusCode, 401);
    assert.equal((await new Browser(g, '10.4.0.4').login(alice.email, 'brand new password')).statusCode, 303);
    alice.password = 'brand new password';
  });

  await t.test('removing a user: the owner stays; a member goes with their sessions', async () => {
    const owned = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/users/${alice.userId}`, headers: admin });
    assert.equal(owned.statusCode, 409);
    const member = await db
      .insertInto('users')
      .values({ id: 'member-1', organization_id: alice.organizationId, email: 'member@example.com', role: 'member' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await g.services.accounts.setPassword(member.id, PASSWORD);
    const browser = new Browser(g, '10.5.0.1');
    assert.equal((await browser.login('member@example.com', PASSWORD)).statusCode, 303);
    const removed = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/users/${member.id}`, headers: admin });
    assert.equal(removed.statusCode, 204);
    assert.equal((await browser.get('/dashboard')).statusCode, 401);
    assert.equal((await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/users/${member.id}`, headers: admin })).statusCode, 404);
    const events = await db.selectFrom('outbox_events').select('type').where('type', '=', 'user.removed').execute();
    assert.equal(events.length, 1);
  });
});
