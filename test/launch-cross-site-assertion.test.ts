// Reproduces: GET /apps/:id/launch signed a launch assertion for whoever followed a link to it,
// so another site could send a signed-in user there (the session cookie is SameSite=Lax, which
// admits top-level GETs) and have the assertion delivered to the app without the user's intent.
// A launch now needs a same-site request: the dashboard's form (POST with the CSRF token), or a
// GET marked Sec-Fetch-Site same-origin or none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { decodeJwt } from 'jose';
import { chromium } from 'playwright-core';
import { freePort, startGatehouse } from './helpers.ts';
import { Browser, codeClient, csrfOf, tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

test('a cross-site GET (or one without Fetch Metadata) gets a confirmation page and no assertion; the form and same-origin GETs launch', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const who = await tenant(g);
  const app = await codeClient(g, { name: 'Launchable', launch_url: 'https://launch.example/start' });
  const browser = new Browser(g);
  assert.equal((await browser.login(who.email, who.password)).statusCode, 303);
  const url = `/apps/${app.client_id}/launch`;
  const get = (headers: Record<string, string>) => g.app.inject({ method: 'GET', url, headers: { cookie: browser.cookie, ...headers } });
  const launched = async () => {
    await g.services.audit.flush();
    return (await g.services.storage.db.selectFrom('audit_events').select('id').where('action', '=', 'app.launched').execute()).length;
  };

  for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, {}] as Record<string, string>[]) {
    const res = await get(headers);
    assert.equal(res.statusCode, 200, JSON.stringify(headers));
    assert.equal(res.headers.location, undefined, 'no redirect to the app');
    assert.doesNotMatch(res.body, /eyJ/, 'no JWT in the page');
    assert.match(res.body, new RegExp(`<form method="post" action="${url}">`), 'the page offers to open the app on purpose');
  }
  assert.equal(await launched(), 0, 'nothing was signed');

  // A form post from elsewhere has no valid CSRF token.
  const forged = await g.app.inject({
    method: 'POST',
    url,
    headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'csrf=forged',
  });
  assert.equal(forged.statusCode, 403);
  assert.equal(forged.headers.location, undefined);
  assert.equal(await launched(), 0);

  for (const site of ['same-origin', 'none']) {
    const res = await get({ 'sec-fetch-site': site });
    assert.equal(res.statusCode, 303, site);
    assert.match(String(res.headers.location), /^https:\/\/launch\.example\/start\?token=eyJ/);
  }
  const dashboard = await browser.get('/dashboard');
  const posted = await browser.post(url, { csrf: csrfOf(dashboard.body) });
  assert.equal(posted.statusCode, 303);
  assert.equal(decodeJwt(new URL(String(posted.headers.location)).searchParams.get('token')!).aud, app.client_id);
  assert.equal(await launched(), 3);
});

test(
  'in Chromium: the dashboard tile opens the app; a link on another site does not',
  { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' },
  async (t) => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
    t.after(() => g.stop());
    await g.app.listen({ port, host: '127.0.0.1' });
    // One loopback server plays both the partner app (GET /start) and, under another site name
    // (localhost rather than 127.0.0.1), the attacker's page that links to the launch route.
    const seen: string[] = [];
    const other = createServer((req, res) => {
      if (req.url?.startsWith('/start')) seen.push(req.url);
      if (req.url === '/evil')
        return void res
          .writeHead(200, { 'content-type': 'text/html' })
          .end(`<!doctype html><a id="go" href="${origin}/apps/${app.client_id}/launch">free prize</a>`);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Partner app</title><h1>Partner app</h1>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
    const otherPort = (other.address() as { port: number }).port;
    const who = await tenant(g);
    const app = await codeClient(g, { name: 'Launchable', launch_url: `http://127.0.0.1:${otherPort}/start` });

    const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => chrome.close());
    const page = await (await chrome.newContext()).newPage();
    await page.goto(`${origin}/login`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    // The attacker's page, on another site, links to the launch route: the user lands on a confirmation page.
    await page.goto(`http://localhost:${otherPort}/evil`);
    await page.click('#go');
    await page.waitForURL((url) => url.origin === origin && url.pathname.endsWith('/launch'));
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Open Launchable');
    assert.deepEqual(seen, [], 'the app received no assertion');

    // The dashboard tile submits its form; the browser follows the redirect (form-action allows the app).
    await page.goto(`${origin}/dashboard`);
    await page.locator('#app-tiles').getByRole('button', { name: 'Open' }).click();
    await page.waitForURL((url) => url.port === String(otherPort) && url.pathname === '/start');
    assert.equal(seen.length, 1);
    const token = new URL(seen[0], 'http://x').searchParams.get('token')!;
    assert.equal(decodeJwt(token).aud, app.client_id);
    assert.equal(decodeJwt(token).sub, who.userId);
  },
);
