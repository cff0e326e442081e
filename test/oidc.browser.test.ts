// "Sign in with Gatehouse" in a real Chromium, with openid-client 6 as the relying party: the
// RP's loopback server builds the authorization URL (PKCE, nonce, state, scope openid profile
// email organization), the browser signs in on Gatehouse's page by typing into the form, consents,
// and lands on the RP's callback, where the RP exchanges the code and validates the ID Token
// itself, reads UserInfo, and finally sends the browser to the end-session endpoint; the user
// confirms on the page, and the browser comes back to the RP's post-logout page with its state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { chromium } from 'playwright-core';
import { freePort, startGatehouse } from './helpers.ts';
import { codeClient, tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

interface Flow {
  verifier: string;
  nonce: string;
  state: string;
}

test('Sign in with Gatehouse: an openid-client relying party in Chromium', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), issuer);
  const who = await tenant(g);

  // The relying party: /start sends the browser to Gatehouse, /cb finishes the sign-in and shows
  // who signed in, /bye is where logout lands.
  let config: oidc.Configuration | undefined;
  const flows = new Map<string, Flow>();
  const results: { idToken?: string; claims?: oidc.IDToken; userinfo?: oidc.UserInfoResponse; error?: string } = {};
  const rp: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', rpOrigin);
    try {
      if (url.pathname === '/start') {
        const flow = { verifier: oidc.randomPKCECodeVerifier(), nonce: oidc.randomNonce(), state: oidc.randomState() };
        flows.set(flow.state, flow);
        const target = oidc.buildAuthorizationUrl(config!, {
          redirect_uri: `${rpOrigin}/cb`,
          scope: 'openid profile email organization',
          state: flow.state,
          nonce: flow.nonce,
          code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
          code_challenge_method: 'S256',
        });
        return void res.writeHead(302, { location: target.href }).end();
      }
      if (url.pathname === '/cb') {
        const flow = flows.get(url.searchParams.get('state') ?? '');
        if (!flow) throw new Error('unknown state');
        const tokens = await oidc.authorizationCodeGrant(config!, url, {
          pkceCodeVerifier: flow.verifier,
          expectedNonce: flow.nonce,
          expectedState: flow.state,
          idTokenExpected: true,
        });
        results.idToken = tokens.id_token;
        results.claims = tokens.claims();
        results.userinfo = await oidc.fetchUserInfo(config!, tokens.access_token, results.claims!.sub);
        const logout = oidc.buildEndSessionUrl(config!, { post_logout_redirect_uri: `${rpOrigin}/bye`, state: 'see-you', client_id: client.client_id });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(`<!doctype html><title>Signed in</title><h1>Hello ${results.userinfo.email}</h1><a href="${logout.href}">Sign out</a>`);
      }
      if (url.pathname === '/bye') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return void res.end(`<!doctype html><title>Signed out</title><h1>Signed out</h1><p id="state">${url.searchParams.get('state')}</p>`);
      }
      res.writeHead(404).end();
    } catch (error) {
      results.error = String(error);
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    }
  });
  await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => rp.close(() => resolve())));
  const rpOrigin = `http://127.0.0.1:${(rp.address() as { port: number }).port}`;
  const client = await codeClient(g, {
    name: 'Loopback RP',
    redirect_uris: [`${rpOrigin}/cb`],
    post_logout_redirect_uris: [`${rpOrigin}/bye`],
  });
  config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
    execute: [oidc.allowInsecureRequests],
  });

  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const page = await (await chrome.newContext()).newPage();

  await page.goto(`${rpOrigin}/start`);
  await page.waitForURL((url) => url.pathname === '/login');
  assert.equal(await page.getByText('to continue to').innerText(), 'to continue to Loopback RP');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/oauth/authorize');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.origin === rpOrigin && url.pathname === '/cb', { timeout: 15_000 });
  assert.equal(results.error, undefined);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Hello ${who.email}`);

  // The RP's own checks passed; it also verifies the signature against the JWKS.
  await jwtVerify(results.idToken!, createRemoteJWKSet(new URL(`${issuer}/oauth/jwks`)), { issuer, audience: client.client_id });
  assert.equal(results.claims!.sub, who.userId);
  assert.deepEqual(results.claims!.amr, ['pwd']);
  assert.equal(results.userinfo!.org_id, who.organizationId);
  assert.equal(results.userinfo!.org_role, 'owner');

  // No id_token_hint in this logout URL: Gatehouse asks before signing anyone out.
  await page.getByRole('link', { name: 'Sign out' }).click();
  await page.waitForURL((url) => url.pathname === '/oauth/end-session');
  await page.getByRole('button', { name: /sign out/i }).click();
  await page.waitForURL((url) => url.origin === rpOrigin && url.pathname === '/bye', { timeout: 15_000 });
  assert.equal(await page.locator('#state').innerText(), 'see-you');
  // The Gatehouse session is over: the dashboard asks for a sign-in.
  const dashboard = await page.goto(`${issuer}/dashboard`);
  assert.equal(dashboard?.status(), 401);
});
