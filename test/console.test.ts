// The operator console without a browser: the admin API's operator routes and the `gatehouse
// operator` commands, the console's switches (GATEHOUSE_CONSOLE, GATEHOUSE_CONSOLE_ALLOW behind a
// trusted proxy), sessions of the console kept apart from users' browser sessions, the idle
// timeout, sign-in throttling and its audit events. The pages themselves, in Chromium:
// console.browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, admin, freePort, startGatehouse, testConfig } from './helpers.ts';
import { Browser, csrfOf, tenant } from './interactive-helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function gatehouse(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env, GATEHOUSE_URL: url, GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Sign in to the console over inject(); answers the sign-in POST. */
async function consoleSignIn(browser: Browser, form: Record<string, string>) {
  const page = await browser.get('/console/login');
  assert.equal(page.statusCode, 200);
  return browser.post('/console/login', { csrf: csrfOf(page.body), ...form });
}

test('operators: the admin API creates them with a one-time link, refuses repeats and bad addresses, and the CLI prints the link', async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });

  const created = await g.app.inject({ method: 'POST', url: '/admin/api/v1/operators', headers: admin, payload: { email: 'Olga.Ops@Example.com' } });
  assert.equal(created.statusCode, 201, created.body);
  const body = created.json();
  assert.equal(body.email, 'olga.ops@example.com');
  assert.equal(body.has_password, false);
  assert.match(body.password_link, new RegExp(`^${origin}/console/password/[A-Za-z0-9_-]{40,}$`));
  assert.ok(!('password_hash' in body));

  const again = await g.app.inject({ method: 'POST', url: '/admin/api/v1/operators', headers: admin, payload: { email: 'olga.ops@example.com' } });
  assert.equal(again.statusCode, 409);
  assert.match(again.json().error.message, /already exists/);
  const bad = await g.app.inject({ method: 'POST', url: '/admin/api/v1/operators', headers: admin, payload: { email: 'not an address' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /^email: /);
  const anonymous = await g.app.inject({ method: 'POST', url: '/admin/api/v1/operators', payload: { email: 'x@example.com' } });
  assert.equal(anonymous.statusCode, 401);

  const listed = await g.app.inject({ method: 'GET', url: '/admin/api/v1/operators', headers: admin });
  assert.deepEqual(
    listed.json().operators.map((o: { email: string }) => o.email),
    ['olga.ops@example.com'],
  );

  const cli = await gatehouse(['operator', 'create', '--email', 'cli.person@example.com'], origin);
  assert.equal(cli.code, 0, cli.stderr);
  const link = /(http:\/\/\S+\/console\/password\/\S+)/.exec(cli.stdout)?.[1];
  assert.ok(link, cli.stdout);
  assert.match(cli.stdout, /cli\.person@example\.com/);
  // The link opens the form; the browser-less visitor sets a password through it and is signed in.
  const browser = new Browser(g);
  const path = new URL(link).pathname;
  const form = await browser.get(path);
  assert.equal(form.statusCode, 200);
  assert.match(form.body, /Choose a password/);
  const mismatch = await browser.post(path, { csrf: csrfOf(form.body), password: 'a long operator password', confirm: 'something else' });
  assert.equal(mismatch.statusCode, 400);
  assert.match(mismatch.body, /not the same/);
  assert.match(mismatch.body, /id="confirm"[^>]*aria-invalid="true"/);
  const set = await browser.post(path, { csrf: csrfOf(form.body), password: 'a long operator password', confirm: 'a long operator password' });
  assert.equal(set.statusCode, 303, set.body);
  assert.equal(set.headers.location, '/console');
  assert.equal((await browser.get('/console')).statusCode, 200);
  assert.equal((await browser.get(path)).statusCode, 410, 'the link works once');

  const duplicate = await gatehouse(['operator', 'create', '--email', 'cli.person@example.com'], origin);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /409: .*already exists/);
  const missing = await gatehouse(['operator', 'create'], origin);
  assert.equal(missing.code, 2);

  const list = await gatehouse(['operator', 'list'], origin);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /cli\.person@example\.com\s+set\s/);
});

test('GATEHOUSE_CONSOLE=false answers 404 everywhere under /console', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_CONSOLE: 'false' });
  t.after(() => g.stop());
  for (const url of ['/console', '/console/login', '/console/clients', '/console/password/x']) {
    const res = await g.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
    assert.equal(res.statusCode, 404, url);
  }
  const post = await g.app.inject({ method: 'POST', url: '/console/login', payload: { csrf: 'x', method: 'token', token: ADMIN_TOKEN } });
  assert.equal(post.statusCode, 404);
});

test('GATEHOUSE_CONSOLE_ALLOW: only the listed client addresses, read through a trusted proxy', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_CONSOLE_ALLOW: '10.20.0.0/16, 2001:db8::1', GATEHOUSE_TRUST_PROXY: '127.0.0.1' });
  t.after(() => g.stop());
  const from = (forwarded: string, remoteAddress = '127.0.0.1') =>
    g.app.inject({ method: 'GET', url: '/console/login', remoteAddress, headers: { 'x-forwarded-for': forwarded } });
  assert.equal((await from('10.20.3.4')).statusCode, 200);
  assert.equal((await from('2001:db8::1')).statusCode, 200);
  assert.equal((await from('10.21.0.1')).statusCode, 404);
  // An untrusted peer's X-Forwarded-For counts for nothing: its own address is judged.
  assert.equal((await from('10.20.3.4', '192.0.2.9')).statusCode, 404);
  // The rest of Gatehouse is not limited.
  assert.equal((await g.app.inject({ method: 'GET', url: '/login', remoteAddress: '192.0.2.9' })).statusCode, 200);
});

test('the console settings are validated at boot', () => {
  assert.throws(() => testConfig({ GATEHOUSE_CONSOLE: 'no' }), /GATEHOUSE_CONSOLE.*"true" or "false"/);
  assert.throws(() => testConfig({ GATEHOUSE_CONSOLE_ALLOW: '10.0.0.0/33' }), /GATEHOUSE_CONSOLE_ALLOW/);
  assert.throws(() => testConfig({ GATEHOUSE_CONSOLE_ALLOW: 'true' }), /GATEHOUSE_CONSOLE_ALLOW/);
  assert.throws(() => testConfig({ GATEHOUSE_CONSOLE_IDLE_TIMEOUT: '5' }), /GATEHOUSE_CONSOLE_IDLE_TIMEOUT/);
  assert.deepEqual(testConfig({ GATEHOUSE_CONSOLE_ALLOW: '192.168.1.0/24,::1' }).console.allow, ['192.168.1.0/24', '::1']);
  assert.equal(testConfig().console.enabled, true);
  assert.equal(testConfig().console.allow, undefined);
});

test("console sessions: apart from users' sessions, audited, throttled, ended by sign-out and by the idle timeout", async (t) => {
  const g = await startGatehouse({ GATEHOUSE_CONSOLE_IDLE_TIMEOUT: '60' });
  t.after(() => g.stop());

  // An organization owner's browser session opens the dashboard, not the console.
  const owner = await tenant(g);
  const member = new Browser(g);
  assert.equal((await member.login(owner.email, owner.password)).statusCode, 303);
  for (const url of ['/console', '/console/clients', '/console/vendors', '/console/keys', '/console/audit', '/console/operators']) {
    const res = await member.get(url);
    assert.equal(res.statusCode, 401, url);
    assert.match(res.body, /Sign in to the console/);
  }
  const refusedPost = await member.post('/console/keys/rotate', { csrf: 'x', confirm: 'yes' });
  assert.equal(refusedPost.statusCode, 401);

  // A wrong token: the page says so in words and marks the field; audited as a failure.
  const operator = new Browser(g, '198.51.100.7');
  const wrong = await consoleSignIn(operator, { method: 'token', token: 'not-the-token' });
  assert.equal(wrong.statusCode, 401);
  assert.match(wrong.body, /That is not the admin token\./);
  assert.match(wrong.body, /id="token"[^>]*aria-invalid="true"/);
  const right = await consoleSignIn(operator, { method: 'token', token: ADMIN_TOKEN });
  assert.equal(right.statusCode, 303);
  assert.match(String(right.headers['set-cookie']), /gh_console=[^;]+; Path=\/console; Expires=[^;]+; HttpOnly; SameSite=Strict/);
  assert.equal((await operator.get('/console')).statusCode, 200);
  // The console's cookie opens nothing of an organization's.
  assert.equal((await operator.get('/dashboard')).statusCode, 401);

  const events = async (action: string) => (await g.services.audit.list({ action })).map((e) => ({ actor: e.actor, outcome: e.outcome, ip: e.ip }));
  assert.deepEqual(await events('console.sign_in_failed'), [{ actor: null, outcome: 'failure', ip: '198.51.100.7' }]);
  assert.deepEqual(await events('console.signed_in'), [{ actor: 'admin-token', outcome: 'success', ip: '198.51.100.7' }]);

  // A change without the form's CSRF token is refused and changes nothing.
  const keysBefore = g.services.keystore.list();
  const forged = await operator.post('/console/keys/rotate', { csrf: 'forged', confirm: 'yes' });
  assert.equal(forged.statusCode, 403);
  assert.deepEqual(g.services.keystore.list(), keysBefore);

  // Idle past the timeout: the session no longer counts.
  await g.services.storage.db
    .updateTable('operator_sessions')
    .set({ last_seen_at: new Date(Date.now() - 61_000) })
    .execute();
  assert.equal((await operator.get('/console')).statusCode, 401);

  // Sign-out ends the session on the server, not only the cookie.
  const again = await consoleSignIn(operator, { method: 'token', token: ADMIN_TOKEN });
  assert.equal(again.statusCode, 303);
  const cookie = operator.cookies.get('gh_console')!;
  const overview = await operator.get('/console');
  const out = await operator.post('/console/logout', { csrf: csrfOf(overview.body) });
  assert.equal(out.statusCode, 303);
  assert.equal(out.headers.location, '/console/login');
  const replayed = await g.app.inject({ method: 'GET', url: '/console', headers: { cookie: `gh_console=${cookie}` } });
  assert.equal(replayed.statusCode, 401);
  assert.deepEqual(await events('console.signed_out'), [{ actor: 'admin-token', outcome: 'success', ip: '198.51.100.7' }]);
});

test('operator sign-in is throttled like /login, with one answer whether or not the account exists', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { operator } = await g.services.operators.create('tess@example.com', 'admin');
  assert.equal(operator.password_hash, null);
  const browser = new Browser(g, '203.0.113.5');
  const unknown = await consoleSignIn(browser, { method: 'operator', email: 'nobody@example.com', password: 'whatever password' });
  const noPassword = await consoleSignIn(browser, { method: 'operator', email: 'tess@example.com', password: 'whatever password' });
  assert.equal(unknown.statusCode, 401);
  assert.equal(noPassword.statusCode, 401);
  assert.match(unknown.body, /Incorrect email or password\./);
  assert.match(noPassword.body, /Incorrect email or password\./);
  let last;
  for (let i = 0; i < 5; i++) last = await consoleSignIn(browser, { method: 'operator', email: 'tess@example.com', password: `guess ${i} guess` });
  assert.equal(last!.statusCode, 429);
  assert.match(last!.body, /Too many sign-in attempts/);
  assert.ok(Number(last!.headers['retry-after']) > 0);
  const throttled = await g.services.audit.list({ action: 'console.sign_in_throttled' });
  assert.equal(throttled.length, 1);
  assert.equal(throttled[0]!.details.email, 'tess@example.com');
  // Someone else's address is not held back by these failures.
  const other = new Browser(g, '203.0.113.99');
  assert.equal((await consoleSignIn(other, { method: 'operator', email: 'tess@example.com', password: 'still wrong pw' })).statusCode, 401);
});

test('the console lists page by keyset: clients in name order with search, the audit log newest first', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  for (let i = 0; i < 55; i++) await g.services.clients.create({ name: `Client ${String(i).padStart(2, '0')}` });
  await g.services.clients.create({ name: 'client_with_underscore' });
  const browser = new Browser(g);
  assert.equal((await consoleSignIn(browser, { method: 'token', token: ADMIN_TOKEN })).statusCode, 303);
  const names = (body: string) => [...body.matchAll(/<tr><td><a href="\/console\/clients\/[0-9a-f]+">([^<]+)<\/a>/g)].map((m) => m[1]);
  const next = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replace(/&#38;/g, '&');

  const first = await browser.get('/console/clients');
  assert.equal(first.statusCode, 200);
  assert.deepEqual(
    names(first.body),
    Array.from({ length: 50 }, (_, i) => `Client ${String(i).padStart(2, '0')}`),
  );
  const second = await browser.get(next(first.body)!);
  assert.deepEqual(names(second.body), ['Client 50', 'Client 51', 'Client 52', 'Client 53', 'Client 54', 'client_with_underscore']);
  assert.equal(next(second.body), undefined);

  // A name prefix, case-folded; LIKE's wildcards in the search are plain text.
  assert.deepEqual(names((await browser.get('/console/clients?search=CLIENT%205')).body), ['Client 50', 'Client 51', 'Client 52', 'Client 53', 'Client 54']);
  assert.deepEqual(names((await browser.get('/console/clients?search=client_')).body), ['client_with_underscore']);
  // An exact client id finds that client.
  const one = (await g.services.clients.page({ limit: 1 }))[0]!;
  assert.deepEqual(names((await browser.get(`/console/clients?search=${one.id}`)).body), [one.name]);

  for (let i = 0; i < 130; i++) g.services.audit.record({ action: 'test.event', outcome: 'success', actor: 'tester', details: { n: i } });
  const rows = (body: string) => [...body.matchAll(/\{&#34;n&#34;:(\d+)\}/g)].map((m) => Number(m[1]));
  const newest = await browser.get('/console/audit?action=test.event');
  assert.deepEqual(
    rows(newest.body),
    Array.from({ length: 100 }, (_, i) => 129 - i),
  );
  const older = await browser.get(next(newest.body)!);
  assert.deepEqual(
    rows(older.body),
    Array.from({ length: 30 }, (_, i) => 29 - i),
  );
  assert.equal(next(older.body), undefined);
  const badPage = await browser.get('/console/audit?before=not-a-number');
  assert.equal(badPage.statusCode, 400);
  assert.match(badPage.body, /That page link is not valid/);
});

test('disabling a vendor from the console goes through its confirmation: a post without it changes nothing', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { vendor } = await g.services.vendors.create('Confirm Co');
  const operator = new Browser(g);
  assert.equal((await consoleSignIn(operator, { method: 'token', token: ADMIN_TOKEN })).statusCode, 303);

  const confirmation = await operator.get(`/console/vendors/${vendor.id}/disable`);
  assert.equal(confirmation.statusCode, 200);
  assert.match(confirmation.body, /refused at once/);
  const skipped = await operator.post(`/console/vendors/${vendor.id}/disable`, { csrf: csrfOf(confirmation.body) });
  assert.equal(skipped.statusCode, 303);
  assert.equal(skipped.headers.location, `/console/vendors/${vendor.id}/disable`);
  assert.equal((await g.services.vendors.get(vendor.id)).vendor.disabled_at, null);

  const confirmed = await operator.post(`/console/vendors/${vendor.id}/disable`, { csrf: csrfOf(confirmation.body), confirm: 'yes' });
  assert.equal(confirmed.statusCode, 303);
  assert.notEqual((await g.services.vendors.get(vendor.id)).vendor.disabled_at, null);
});
