// RP-Initiated Logout as a person meets it, in a real Chromium against a listening Gatehouse:
// signed in, they follow an application's sign-out link that carries no id_token_hint, are asked
// whether to sign out, press the button, and land on the application's post-logout page (a
// loopback server here) with its state; the Gatehouse session is gone. The browser enforces the
// page's CSP, so the form's redirect to the application's origin must be allowed by form-action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { chromium } from 'playwright-core';
import { freePort, startGatehouse } from './helpers.ts';
import { codeClient, tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

test(
  'a sign-out link without a hint asks first, then signs out and lands on the application with its state',
  { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' },
  async (t) => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
    t.after(() => g.stop());
    assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);
    const owner = await tenant(g);

    // The application's own site: its post-logout page.
    const app = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Partner App</title><h1>Come back soon</h1>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => app.close(() => resolve())));
    const appOrigin = `http://127.0.0.1:${(app.address() as { port: number }).port}`;
    const client = await codeClient(g, { post_logout_redirect_uris: [`${appOrigin}/signed-out`] });

    const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => chrome.close());
    const page = await (await chrome.newContext()).newPage();

    await page.goto(`${origin}/login`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/dashboard');

    const query = new URLSearchParams({ client_id: client.client_id, post_logout_redirect_uri: `${appOrigin}/signed-out`, state: 'after logout' });
    const asked = await page.goto(`${origin}/oauth/end-session?${query.toString()}`);
    assert.equal(asked?.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign out of Gatehouse?');
    assert.match(await page.locator('main').innerText(), /Partner App asks to sign you out of Gatehouse/);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === appOrigin);
    const landed = new URL(page.url());
    assert.equal(landed.pathname, '/signed-out');
    assert.equal(landed.searchParams.get('state'), 'after logout');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Come back soon');

    const dashboard = await page.goto(`${origin}/dashboard`);
    assert.equal(dashboard?.status(), 401, 'the session is gone');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Not signed in');
  },
);
