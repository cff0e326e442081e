// The authorization-code grant: seed 003's JSON exchange for a partner platform (scope = the
// partner tenant id, claims in the JWT, App Info), form bodies with PKCE, what a code is bound
// to, app launch tokens verified against the JWKS, and the audit trail and metrics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startGatehouse } from './helpers.ts';
import { Browser, codeClient, codeFor, authorize, csrfOf, tenant } from './interactive-helpers.ts';

const CB = 'https://app.example/cb';

test('authorization code grant', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const db = g.services.storage.db;
  const acme = await tenant(g);
  const token = (payload: Record<string, unknown>) => g.app.inject({ method: 'POST', url: '/oauth/token', payload });

  await t.test("seed 003: the partner platform's JSON exchange answers scope = partner tenant id", async (t) => {
    // Seed 003 sends client_id, redirect_uri, response_type and state; no PKCE from a confidential client.
    const partner = await codeClient(g, {
      name: 'Cisco Spaces',
      tenant_scope: true,
      skip_consent: true,
      grant_types: ['authorization_code'],
      redirect_uris: ['https://partners.dnaspaces.io/partner/OAuthValidation'],
    });
    const browser = new Browser(g);
    await browser.login(acme.email, acme.password);
    const state = '0855E7EFE7124B538D455F0C5CEF2629';
    const url = await authorize(browser, {
      client_id: partner.client_id,
      redirect_uri: 'https://partners.dnaspaces.io/partner/OAuthValidation',
      response_type: 'code',
      state,
    });
    assert.equal(url.origin + url.pathname, 'https://partners.dnaspaces.io/partner/OAuthValidation');
    assert.equal(url.searchParams.get('state'), state);
    const code = url.searchParams.get('code')!;
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        code,
        grant_type: 'authorization_code',
        state,
        client_id: partner.client_id,
        client_secret: partner.client_secret,
        redirect_uri: 'https://partners.dnaspaces.io/partner/OAuthValidation',
      }),
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.scope, acme.organizationId);
    assert.equal(body.refresh_token, undefined, 'no refresh_token grant, no refresh token');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(decodeProtectedHeader(body.access_token).typ, 'at+jwt');
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.tenant_id, acme.organizationId);
    assert.equal(claims.email, acme.email);
    assert.equal(claims.sub, acme.userId);
    assert.equal(claims.client_id, partner.client_id);

    await t.test("App Info answers for the token's tenant, 403 for another, 401 without a token", async () => {
      const auth = { authorization: `Bearer ${body.access_token}` };
      const info = await g.app.inject({ method: 'GET', url: `/api/partner/app-info?partnerTenantId=${acme.organizationId}`, headers: auth });
      assert.equal(info.statusCode, 200, info.body);
      const json = info.json();
      assert.deepEqual(Object.keys(json).sort(), ['partnerTenantId', 'supportEmail', 'telemetry', 'userEmail']);
      assert.equal(json.partnerTenantId, acme.organizationId);
      assert.equal(json.userEmail, acme.email);
      assert.equal(json.supportEmail, 'support@gatehouse.test');
      assert.deepEqual(
        json.telemetry.map((x: { name: string }) => x.name),
        ['Users', 'Integrations', 'Connections'],
      );
      assert.deepEqual(json.telemetry[0], { type: 'number', name: 'Users', value: '1', units: 'users' });
      const other = await g.app.inject({ method: 'GET', url: '/api/partner/app-info?partnerTenantId=someone-else', headers: auth });
      assert.equal(other.statusCode, 403);
      const none = await g.app.inject({ method: 'GET', url: `/api/partner/app-info?partnerTenantId=${acme.organizationId}` });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer realm="gatehouse-partner"');
      const bad = await g.app.inject({
        method: 'GET',
        url: `/api/partner/app-info?partnerTenantId=${acme.organizationId}`,
        headers: { authorization: 'Bearer nope' },
      });
      assert.equal(bad.statusCode, 401);
      assert.match(bad.headers['www-authenticate'] as string, /error="invalid_token"/);
      const missing = await g.app.inject({ method: 'GET', url: '/api/partner/app-info', headers: auth });
      assert.equal(missing.statusCode, 400);
    });
  });

  const client = await codeClient(g);

  await t.test('form exchange with PKCE: an at+jwt bound to the user and organization, and a refresh token', async () => {
    const { code, verifier, url } = await codeFor(g, acme, client);
    assert.equal(url.searchParams.get('iss'), 'http://gatehouse.test');
    const row = await db.selectFrom('authorization_codes').selectAll().orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(code), 'stored hashed');
    assert.equal(row.expires_at.getTime() - row.created_at.getTime() <= 61_000 && row.expires_at.getTime() - row.created_at.getTime() >= 59_000, true, '60 s');
    assert.equal(row.client_id, client.client_id);
    assert.equal(row.redirect_uri, CB);
    assert.equal(row.organization_id, acme.organizationId);
    assert.equal(row.scope, 'read write');
    const res = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.scope, 'read write');
    assert.equal(body.expires_in, 3600);
    assert.match(body.refresh_token, /^ghr_/);
    const claims = decodeJwt(body.access_token);
    assert.equal(claims.organization_id, acme.organizationId);
    assert.equal(claims.email, undefined, 'no email without tenant_scope');
    const stored = await db.selectFrom('refresh_tokens').selectAll().execute();
    assert.ok(!JSON.stringify(stored).includes(body.refresh_token.slice(4)), 'refresh tokens stored hashed');
  });

  await t.test('a code is bound to its client and redirect URI; a failed check does not spend it', async () => {
    const other = await codeClient(g, { name: 'Other' });
    const { code, verifier } = await codeFor(g, acme, client);
    const asOther = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CB,
      client_id: other.client_id,
      client_secret: other.client_secret,
    });
    assert.equal(asOther.json().error, 'invalid_grant');
    const wrongUri = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: 'https://app.example/other',
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(wrongUri.json().error, 'invalid_grant');
    const noUri = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(noUri.json().error, 'invalid_grant');
    const wrongVerifier = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: 'x'.repeat(43),
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(wrongVerifier.json().error, 'invalid_grant');
    const badSecret = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: 'nope',
    });
    assert.equal(badSecret.statusCode, 401);
    const ok = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(ok.statusCode, 200, 'still redeemable by its client');
  });

  await t.test('an expired code is refused; so is a code from before a password change', async () => {
    const { code, verifier } = await codeFor(g, acme, client);
    await db
      .updateTable('authorization_codes')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('used_at', 'is', null)
      .execute();
    const expired = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(expired.json().error, 'invalid_grant');
    assert.match(expired.json().error_description, /expired/);
    const fresh = await codeFor(g, acme, client);
    await g.services.accounts.setPassword(acme.userId, acme.password);
    const stale = await token({
      grant_type: 'authorization_code',
      code: fresh.code,
      code_verifier: fresh.verifier,
      redirect_uri: CB,
      client_id: client.client_id,
      client_secret: client.client_secret,
    });
    assert.equal(stale.json().error, 'invalid_grant');
  });

  await t.test('consent: named client and scopes, remembered per scope set, deny sends access_denied', async () => {
    const browser = new Browser(g);
    await browser.login(acme.email, acme.password);
    const other = await codeClient(g, { name: 'Consent <App>' });
    const params = { response_type: 'code', client_id: other.client_id, redirect_uri: CB, state: 's', scope: 'read' };
    const page = await browser.get(`/oauth/authorize?${new URLSearchParams(params).toString()}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Consent &#60;App&#62;/);
    assert.match(page.body, /<code>read<\/code>/);
    assert.doesNotMatch(page.body, /<code>write<\/code>/);
    assert.match(page.headers['content-security-policy'] as string, /form-action 'self' https:\/\/app\.example/);
    const denied = await authorize(browser, params, 'deny');
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), 's');
    assert.equal(denied.searchParams.get('iss'), 'http://gatehouse.test');
    await authorize(browser, params, 'allow');
    const remembered = await browser.get(`/oauth/authorize?${new URLSearchParams(params).toString()}`);
    assert.equal(remembered.statusCode, 303, 'same scope set: no second question');
    const wider = await browser.get(`/oauth/authorize?${new URLSearchParams({ ...params, scope: 'read write' }).toString()}`);
    assert.equal(wider.statusCode, 200, 'another scope set asks again');
    const forged = await browser.post('/oauth/authorize/decision', { ...params, decision: 'allow', csrf: 'forged' });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.headers.location, undefined);
  });

  await t.test('app launch: a tile on the dashboard, a launch JWT of 5 minutes for the app, verifiable with the JWKS', async () => {
    const app = await codeClient(g, { name: 'Launchable', launch_url: 'https://launch.example/start?src=gatehouse' });
    const browser = new Browser(g);
    await browser.login(acme.email, acme.password);
    const dash = await browser.get('/dashboard');
    assert.match(dash.body, new RegExp(`<form class="inline" method="post" action="/apps/${app.client_id}/launch">`));
    const res = await browser.post(`/apps/${app.client_id}/launch`, { csrf: csrfOf(dash.body) });
    assert.equal(res.statusCode, 303);
    const target = new URL(res.headers.location as string);
    assert.equal(target.origin + target.pathname, 'https://launch.example/start');
    assert.equal(target.searchParams.get('src'), 'gatehouse');
    const jwt = target.searchParams.get('token')!;
    const jwks = createLocalJWKSet(JSON.parse(g.services.keystore.jwks));
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: 'http://gatehouse.test', audience: app.client_id });
    assert.equal(protectedHeader.typ, 'JWT');
    assert.equal(payload.sub, acme.userId);
    assert.equal(payload.tenant_id, acme.organizationId);
    assert.equal(payload.email, acme.email);
    assert.ok(typeof payload.jti === 'string');
    assert.ok(payload.exp! - payload.iat! <= 300);
    const asAccess = await g.app.inject({
      method: 'GET',
      url: `/api/partner/app-info?partnerTenantId=${acme.organizationId}`,
      headers: { authorization: `Bearer ${jwt}` },
    });
    assert.equal(asAccess.statusCode, 401, 'a launch token is not an access token');
    assert.equal(
      (await new Browser(g).post(`/apps/${app.client_id}/launch`, { csrf: csrfOf(dash.body) })).statusCode,
      403,
      'another browser has another CSRF secret',
    );
    assert.equal((await browser.post('/apps/nope/launch', { csrf: csrfOf(dash.body) })).statusCode, 404);
  });

  await t.test('audit events and metrics for codes and consent', async () => {
    await g.services.audit.flush();
    for (const action of ['authorization_code.issued', 'authorization_code.redeemed', 'consent.granted', 'consent.denied', 'app.launched']) {
      assert.ok((await g.services.audit.list({ action })).length > 0, action);
    }
    const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /gatehouse_authorization_codes_total\{event="issued"\}/);
    assert.match(metrics, /gatehouse_authorization_codes_total\{event="redeemed"\}/);
    assert.match(metrics, /gatehouse_consents_total\{decision="granted"\}/);
    assert.match(metrics, /gatehouse_tokens_issued_total\{grant="authorization_code"\}/);
  });
});
