// Reproduces: a connect link's token (`?link=`) was written to the request log in clear. Every
// flow runs here with a debug-level logger captured to memory, and the log is searched for every
// secret that was issued or presented: client secrets, access and refresh tokens, codes, OEM
// tokens, partner keys, vendor API keys, MSPC tokens, webhook secrets and static headers, and
// login, password and connect links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.ts';
import { ADMIN_TOKEN, admin, basic, createClient, createTestDatabase, logCapture, testConfig } from './helpers.ts';
import { Browser, PASSWORD, authorize, codeClient, pkce } from './interactive-helpers.ts';
import { accessToken, createExternalIntegration, createOrganization, createVendor, credentials, mspcToken, organizationData } from './oem-helpers.ts';
import { connectLink, createConnector, definition, local, startVendor } from './connector-vendors.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('a debug-level log of every flow contains none of the secrets issued or presented', { timeout: 120_000 }, async () => {
  const log = logCapture('debug');
  const database = await createTestDatabase();
  const g = await buildApp(testConfig({ LOG_LEVEL: 'debug', GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8' }, database.url), {
    logger: log.logger,
  });
  const vendorApp = await startVendor();
  const secrets = new Map<string, string>([['admin token', ADMIN_TOKEN]]);
  const keep = (what: string, value: unknown) => {
    assert.equal(typeof value, 'string', `${what} was issued`);
    secrets.set(what, value as string);
    return value as string;
  };
  try {
    await g.app.ready();
    // Vendors and the OEM API (seed 000, 001): client secret, Vendor API key, OEM token, login link, partner key.
    const vendor = await createVendor(g, 'Logged Vendor');
    keep('vendor client secret', vendor.client_secret);
    keep('vendor API key', vendor.vendor_api_key);
    keep('vendor access token', await accessToken(g, vendor, 'vendor_manage'));
    const data = organizationData();
    const org = await createOrganization(g, vendor, data);
    keep('organization OEM token', org.organizationOemToken);
    const session = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken },
    });
    const loginLink = new URL(session.json().redirectUrl);
    keep('login link', loginLink.pathname.split('/').pop());
    const linked = new Browser(g);
    await linked.get(loginLink.pathname);
    keep('session cookie', linked.cookies.get('gh_session'));
    const integration = await createExternalIntegration(g, vendor, org.organizationId);
    keep('partner API key', integration.partnerApiKey);
    const mspc = keep('MSPC token', mspcToken(vendor.vendor_api_key, integration.partnerApiKey));
    await g.app.inject({ method: 'GET', url: '/api/vendor-api/organization', headers: { authorization: `Bearer ${mspc}` } });
    await g.app.inject({ method: 'GET', url: '/api/vendor-api/organization', headers: { 'mspc-token': mspc } });
    const rotatedKey = await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${vendor.vendor_id}/rotate-api-key`, headers: admin, payload: {} });
    keep('rotated vendor API key', rotatedKey.json().vendor_api_key);

    // OAuth: client credentials in every place, codes with PKCE, refresh tokens, introspection, revocation.
    const c = await createClient(g, { scopes: ['read'] });
    keep('client secret', c.client_secret);
    await g.app.inject({
      method: 'POST',
      url: `/oauth/token?client_secret=${c.client_secret}`,
      headers: { ...FORM, authorization: basic(c.client_id, c.client_secret) },
      payload: 'grant_type=client_credentials',
    });
    const owner = (await g.services.organizations.users(org.organizationId)).find((u) => u.role === 'owner')!;
    await g.services.accounts.setPassword(owner.id, PASSWORD);
    keep('password', PASSWORD);
    const browser = new Browser(g);
    await browser.login(String(data.email), PASSWORD);
    keep('browser session cookie', browser.cookies.get('gh_session'));
    const app = await codeClient(g, { scopes: ['read', 'offline_access'], grant_types: ['authorization_code', 'refresh_token'] });
    keep('code client secret', app.client_secret);
    const { verifier, challenge } = pkce();
    keep('PKCE verifier', verifier);
    const callback = await authorize(browser, {
      response_type: 'code',
      client_id: app.client_id,
      redirect_uri: 'https://app.example/cb',
      state: 's',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const code = keep('authorization code', callback.searchParams.get('code'));
    const exchanged = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: FORM,
      payload: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: 'https://app.example/cb',
        client_id: app.client_id,
        client_secret: app.client_secret,
      }).toString(),
    });
    const access = keep('user access token', exchanged.json().access_token);
    const refresh = keep('refresh token', exchanged.json().refresh_token);
    const refreshed = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'refresh_token', refresh_token: refresh, client_id: app.client_id, client_secret: app.client_secret },
    });
    keep('rotated refresh token', refreshed.json().refresh_token);
    await g.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      headers: { ...FORM, authorization: basic(app.client_id, app.client_secret) },
      payload: `token=${access}`,
    });
    await g.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { ...FORM, authorization: basic(app.client_id, app.client_secret) },
      payload: `token=${access}`,
    });
    const rotated = await g.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${c.client_id}/rotate-secret`, headers: admin });
    keep('rotated client secret', rotated.json().client_secret);

    // MSP app (seed 002): implicit token, webhook secret and static header, secret rotation.
    const msp = await createClient(g, {
      name: 'MSP app',
      type: 'public',
      grant_types: ['implicit'],
      allow_implicit: true,
      scopes: ['webhooks:manage'],
      redirect_uris: ['https://msp.example/cb'],
      token_format: 'opaque',
    });
    const implicit = await authorize(browser, { response_type: 'token', client_id: msp.client_id, redirect_uri: 'https://msp.example/cb', state: 's' });
    const mspToken = keep('MSP token', new URLSearchParams(implicit.hash.slice(1)).get('access_token'));
    const hook = await g.app.inject({
      method: 'POST',
      url: '/api/msp/v1/webhooks',
      headers: { authorization: `Bearer ${mspToken}` },
      payload: {
        webhook_url: 'https://hooks.example.com/in',
        eventTypes: ['user.added'],
        auth_header: 'X-Api-Key',
        auth_header_value: 'static-header-secret-0123456789',
      },
    });
    keep('webhook secret', hook.json().secret);
    keep('webhook static header', 'static-header-secret-0123456789');
    const rotatedHook = await g.app.inject({
      method: 'POST',
      url: `/api/msp/v1/webhooks/${hook.json().webhook_id}/rotate-secret`,
      headers: { authorization: `Bearer ${mspToken}` },
      payload: {},
    });
    keep('rotated webhook secret', rotatedHook.json().secret);

    // Password links and connect links.
    const passwordLink = await g.app.inject({ method: 'POST', url: `/admin/api/v1/users/${owner.id}/password-link`, headers: admin });
    const passwordUrl = new URL(passwordLink.json().url);
    keep('password link', passwordUrl.pathname.split('/').pop());
    await g.app.inject({ method: 'GET', url: passwordUrl.pathname });
    const connector = await createConnector(
      g,
      definition(vendorApp, { grantType: 'authorization_code', authUrl: `${vendorApp.url}/authorize`, clientSecret: 'connector-client-secret-0123456789' }),
    );
    keep('connector client secret', 'connector-client-secret-0123456789');
    const connect = new URL(await connectLink(g, connector, org.organizationId));
    keep('connect link', connect.searchParams.get('link'));
    await g.app.inject({ method: 'GET', url: local(connect.toString()) });
  } finally {
    await g.close();
    await vendorApp.close();
    await database.drop();
  }
  assert.match(log.text(), /incoming request/, 'requests were logged');
  assert.match(log.text(), /"url":"\/connectors\/[^"]+\/connect\?link=\[redacted\]"/, 'the connect link is logged redacted');
  const lines = log.text().trim().split('\n');
  for (const [what, secret] of secrets) {
    const leak = lines.find((l) => l.includes(secret));
    assert.equal(leak, undefined, `the ${what} appears in the log: ${leak?.slice(0, 300)}`);
  }
});
