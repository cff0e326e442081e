// The interactive flows as a user sees them in a real Chromium: Gatehouse listens on a loopback
// port, a small HTTP server of the test is the client's redirect URI. The browser opens
// /oauth/authorize, is sent to the sign-in page, types email and password, reads the consent
// page and clicks Allow or Deny; the flow ends on the client's page with a code (query) or an
// access token (fragment), which the test then uses as the client would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { decodeJwt } from 'jose';
import { chromium, type Browser, type Page } from 'playwright-core';
import { basic, createClient, freePort, startGatehouse } from './helpers.ts';
import { codeClient, pkce, tenant, type Tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

// The client's redirect URI page: shows what reached it. The fragment never reaches the server,
// so the page's own script copies it into the document, as a browser-based client would.
const CALLBACK_PAGE = `<!doctype html><html><head><title>Client callback</title></head><body>
<h1>Client callback</h1><pre id="query"></pre><pre id="fragment"></pre>
<script>
document.getElementById('query').textContent = location.search.slice(1);
document.getElementById('fragment').textContent = location.hash.slice(1);
</script></body></html>`;

/** The test's redirect URI server; records the request targets it was sent. */
async function startCallbackServer(): Promise<{ origin: string; seen: string[]; server: Server }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return void res.writeHead(404).end();
    seen.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(CALLBACK_PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { origin: `http://127.0.0.1:${port}`, seen, server };
}

/** Fill in and submit the sign-in page the browser was sent to. */
async function signIn(page: Page, who: Tenant, clientName: string) {
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in');
  assert.equal(await page.getByText('to continue to').innerText(), `to continue to ${clientName}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The consent page: its heading names the client; returns the scopes it lists. */
async function consentScopes(page: Page, clientName: string): Promise<string[]> {
  await page.waitForURL((url) => url.pathname === '/oauth/authorize');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Allow ${clientName} to access your account?`);
  return page.locator('#scopes code').allInnerTexts();
}

test('interactive flows in Chromium', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), issuer);

  const cb = await startCallbackServer();
  t.after(() => new Promise<void>((resolve) => cb.server.close(() => resolve())));
  const redirectUri = `${cb.origin}/cb`;
  const who = await tenant(g);
  const client = await codeClient(g, { name: 'Loopback App', redirect_uris: [redirectUri] });

  const chrome: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  /** A fresh browser profile (no cookies) with one tab. */
  const freshPage = async () => (await chrome.newContext()).newPage();

  const authorizeUrl = (params: Record<string, string>) => `${issuer}/oauth/authorize?${new URLSearchParams(params).toString()}`;
  const onCallback = (page: Page) => page.waitForURL((url) => url.origin === cb.origin, { timeout: 15_000 });

  await t.test('code flow: sign in, consent naming the client and scopes, Allow, then the code is exchanged', async (t) => {
    const page = await freshPage();
    const { verifier, challenge } = pkce();
    await page.goto(
      authorizeUrl({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: 'read write',
        state: 'state-allow',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    await signIn(page, who, 'Loopback App');
    assert.deepEqual(await consentScopes(page, 'Loopback App'), ['read', 'write']);
    assert.ok((await page.locator('form').innerText()).includes(`Signed in as ${who.email}. You will be sent to ${new URL(cb.origin).host}.`));
    await page.getByRole('button', { name: 'Allow' }).click();
    await onCallback(page);

    const landed = new URL(page.url());
    assert.equal(landed.pathname, '/cb');
    assert.deepEqual([...landed.searchParams.keys()].sort(), ['code', 'iss', 'state']);
    assert.equal(landed.searchParams.get('state'), 'state-allow');
    assert.equal(landed.searchParams.get('iss'), issuer, 'RFC 9207 iss names this server');
    assert.equal(landed.hash, '');
    assert.equal(await page.locator('#query').innerText(), landed.search.slice(1), 'the client page saw the same query');
    assert.equal(cb.seen.at(-1), `${landed.pathname}${landed.search}`, 'the redirect URI server received the code');

    const exchange = (code: string) =>
      fetch(`${issuer}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }),
      });
    const code = landed.searchParams.get('code')!;
    const res = await exchange(code);
    const tokens = (await res.json()) as Record<string, unknown>;
    assert.equal(res.status, 200, JSON.stringify(tokens));
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.scope, 'read write');
    assert.equal(typeof tokens.access_token, 'string');
    assert.match(tokens.refresh_token as string, /./, 'the client has the refresh_token grant');
    const claims = decodeJwt(tokens.access_token as string);
    assert.equal(claims.sub, who.userId, "the token is the signed-in user's");
    assert.equal(claims.client_id, client.client_id);
    assert.equal(claims.iss, issuer);

    const replay = await exchange(code);
    assert.equal(replay.status, 400);
    assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant', 'a code is good once');

    await t.test('the same browser again: signed in and consent remembered, straight back to the client', async () => {
      // Consent is remembered for the same set of scopes (here in another order).
      await page.goto(authorizeUrl({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: 'write read', state: 'again' }));
      await onCallback(page);
      const again = new URL(page.url());
      assert.equal(again.searchParams.get('state'), 'again');
      assert.match(again.searchParams.get('code')!, /./);
      assert.notEqual(again.searchParams.get('code'), code);
    });
  });

  await t.test('code flow: Deny sends error=access_denied with state and iss, and no code', async () => {
    const other = await codeClient(g, { name: 'Declined App', scopes: ['read'], redirect_uris: [redirectUri] });
    const page = await freshPage();
    await page.goto(
      authorizeUrl({
        response_type: 'code',
        client_id: other.client_id,
        redirect_uri: redirectUri,
        state: 'state-deny',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }),
    );
    await signIn(page, who, 'Declined App');
    assert.deepEqual(await consentScopes(page, 'Declined App'), ['read'], "an omitted scope asks for all of the client's");
    await page.getByRole('button', { name: 'Deny' }).click();
    await onCallback(page);
    const landed = new URL(page.url());
    assert.equal(landed.searchParams.get('error'), 'access_denied');
    assert.equal(landed.searchParams.get('state'), 'state-deny');
    assert.equal(landed.searchParams.get('iss'), issuer);
    assert.equal(landed.searchParams.get('code'), null);
    const remembered = await g.services.authorizations.hasConsent(who.userId, other.client_id, 'read');
    assert.equal(remembered, false, 'a denial is not remembered as consent');
  });

  await t.test('implicit flow: the token arrives in the fragment, and works on the MSP API', async () => {
    const implicitUri = `${cb.origin}/implicit`;
    const app = await createClient(g, {
      name: 'MSP Tool',
      type: 'public',
      grant_types: ['implicit'],
      allow_implicit: true,
      scopes: ['webhooks:manage'],
      redirect_uris: [implicitUri],
      token_format: 'opaque',
    });
    const page = await freshPage();
    await page.goto(authorizeUrl({ response_type: 'token', client_id: app.client_id, redirect_uri: implicitUri, state: 'state-implicit' }));
    await signIn(page, who, 'MSP Tool');
    assert.deepEqual(await consentScopes(page, 'MSP Tool'), ['webhooks:manage']);
    assert.match(await page.locator('#scopes').innerText(), /Manage your organization's webhook subscriptions/);
    await page.getByRole('button', { name: 'Allow' }).click();
    await onCallback(page);

    const landed = new URL(page.url());
    assert.equal(landed.pathname, '/implicit');
    assert.equal(landed.search, '', 'tokens never travel in the query');
    // Read by the page's own script, as the client application would.
    const fragment = new URLSearchParams(await page.locator('#fragment').innerText());
    assert.equal(cb.seen.at(-1), '/implicit');
    assert.ok(!cb.seen.some((target) => target.includes(fragment.get('access_token')!)), 'the redirect URI server never sees the token');
    assert.equal(fragment.toString(), new URLSearchParams(landed.hash.slice(1)).toString());
    assert.match(fragment.toString(), /^access_token=[^&]+&token_type=bearer&/, 'seed 002: #access_token=...&token_type=bearer');
    assert.equal(fragment.get('state'), 'state-implicit');
    assert.equal(fragment.get('scope'), 'webhooks:manage');
    assert.equal(fragment.get('iss'), issuer);
    assert.equal(fragment.get('expires_in'), null, 'no lifetime set: the token does not expire');

    const call = (token: string) => fetch(`${issuer}/api/msp/v1/webhooks`, { headers: { authorization: `Bearer ${token}` } });
    const listed = await call(fragment.get('access_token')!);
    const body = (await listed.json()) as { webhooks: unknown[] };
    assert.equal(listed.status, 200, JSON.stringify(body));
    assert.deepEqual(body.webhooks, [], 'the new organization has no subscriptions yet');
    const forged = await call(`${fragment.get('access_token')!}x`);
    assert.equal(forged.status, 401, 'only the issued token works');
  });
});
