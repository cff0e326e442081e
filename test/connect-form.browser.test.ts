// The connect form as people use it, in a real Chromium against a listening Gatehouse: the owner
// fills in a ConnectWise-style connector's form on the dashboard (typing, choosing, clicking):
// a wrong private key is refused in words with nothing stored, a malformed setting is
// highlighted, and the right values connect and verify, after which the proxy calls through
// it. Someone holding a one-time connect link fills in an Autotask-style form; an OAuth
// connector asks for the tenant before the browser goes to the vendor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { chromium, type Page } from 'playwright-core';
import { freePort, startGatehouse } from './helpers.ts';
import { tenant } from './interactive-helpers.ts';
import { LOOPBACK, connectLink, createConnector, proxy, startVendor } from './connector-vendors.ts';
import { startMock } from './msp-vendors.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

async function signIn(page: Page, origin: string, email: string, password: string) {
  await page.goto(`${origin}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');
}

test('connecting MSP tools with the connect form', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin, ...LOOPBACK });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });
  const owner = await tenant(g);
  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const rows = (connectorId: string) => g.services.storage.db.selectFrom('connections').selectAll().where('connector_id', '=', connectorId).execute();

  await t.test('ConnectWise style on the dashboard: refused, highlighted, then connected and verified, and the proxy calls through it', async () => {
    const clientId = randomUUID();
    const publicKey = `pub-${randomBytes(8).toString('hex')}`;
    const privateKey = `priv-${randomBytes(8).toString('hex')}`;
    const wrongKey = `wrong-${randomBytes(8).toString('hex')}`;
    const good = `Basic ${Buffer.from(`acme+${publicKey}:${privateKey}`).toString('base64')}`;
    const vendor = await startMock((req) => {
      if (req.headers.authorization !== good || req.headers.clientid !== clientId) return undefined;
      if (!req.url.startsWith('/v2025_1/apis/3.0/')) return [404, { code: 'NotFound' }];
      return [200, { path: req.url }];
    });
    t.after(() => vendor.close());
    const connectorId = await createConnector(g, {
      name: 'ConnectWise PSA',
      authMode: 'basic',
      apiBaseUrl: `http://\${connectionConfig.site}:${vendor.port}/\${connectionConfig.codebase}/apis/3.0`,
      connectionConfig: [
        { name: 'site', title: 'Site', type: 'string', format: 'hostname', description: 'The host name of your ConnectWise site.' },
        { name: 'codebase', title: 'Codebase', type: 'string', enum: ['v4_6_release', 'v2025_1'], default: 'v4_6_release' },
        { name: 'companyId', title: 'Company ID', type: 'string', pattern: '^[A-Za-z0-9_]+$' },
        { name: 'clientId', title: 'Client ID', type: 'string', format: 'uuid' },
      ],
      credentials: [
        { name: 'publicKey', title: 'Public key', secret: false },
        { name: 'privateKey', title: 'Private key' },
      ],
      basic: { username: '${connectionConfig.companyId}+${credentials.publicKey}', password: '${credentials.privateKey}' },
      proxyHeaders: { clientId: '${connectionConfig.clientId}' },
      verify: { method: 'GET', path: '/system/info' },
    });
    const page = await (await chrome.newContext()).newPage();
    await signIn(page, origin, owner.email, owner.password);
    const form = () => page.locator(`form[data-connector-id="${connectorId}"]`);
    assert.equal(await form().getByLabel('Private key').getAttribute('type'), 'password');
    assert.equal(await form().getByLabel('Public key').getAttribute('type'), 'text');
    assert.equal(await form().getByLabel('Codebase').inputValue(), 'v4_6_release', 'the default is chosen');
    assert.equal(await form().getByLabel('Company ID').getAttribute('pattern'), '^[A-Za-z0-9_]+$');
    assert.ok((await form().innerText()).includes('The host name of your ConnectWise site.'));

    // A wrong private key: the vendor refuses, the page says so, nothing is stored.
    await form().getByLabel('Site').pressSequentially('127.0.0.1');
    await form().getByLabel('Codebase').selectOption('v2025_1');
    await form().getByLabel('Company ID').pressSequentially('acme');
    await form().getByLabel('Client ID').pressSequentially(clientId);
    await form().getByLabel('Public key').pressSequentially(publicKey);
    await form().getByLabel('Private key').pressSequentially(wrongKey);
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      form().getByRole('button', { name: 'Connect ConnectWise PSA' }).click(),
    ]);
    assert.equal(refused.status(), 400);
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /the vendor refused these credentials: HTTP 401/);
    assert.deepEqual(await rows(connectorId), [], 'nothing stored');
    const refusedHtml = await page.content();
    assert.ok(!refusedHtml.includes(wrongKey), 'the secret is not echoed back');
    assert.equal(await form().getByLabel('Private key').inputValue(), '');
    assert.equal(await form().getByLabel('Company ID').inputValue(), 'acme', 'non-secret values are kept');
    assert.equal(await form().getByLabel('Codebase').inputValue(), 'v2025_1');
    assert.equal(await form().getByLabel('Public key').inputValue(), publicKey);

    // A malformed Client ID: the server names it and the page highlights it.
    await form().getByLabel('Client ID').fill('');
    await form().getByLabel('Client ID').pressSequentially('not-a-uuid');
    await form().getByLabel('Private key').pressSequentially(privateKey);
    await form().getByRole('button', { name: 'Connect ConnectWise PSA' }).click();
    await page.getByRole('alert').filter({ hasText: 'clientId' }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /config\/clientId must be a uuid/);
    assert.equal(await form().getByLabel('Client ID').getAttribute('aria-invalid'), 'true');
    assert.equal(await form().getByLabel('Site').getAttribute('aria-invalid'), null, 'only the field at fault is highlighted');
    assert.deepEqual(await rows(connectorId), []);

    // Fixed: connected and verified.
    await form().getByLabel('Client ID').fill('');
    await form().getByLabel('Client ID').pressSequentially(clientId);
    await form().getByLabel('Private key').pressSequentially(privateKey);
    await form().getByRole('button', { name: 'Connect ConnectWise PSA' }).click();
    await page.getByRole('heading', { name: 'Connected and verified' }).waitFor();
    assert.ok(!(await page.content()).includes(privateKey));
    const [row] = await rows(connectorId);
    assert.equal(row.status, 'active');
    assert.equal(row.organization_id, owner.organizationId);
    assert.ok(!JSON.stringify(row).includes(privateKey), 'stored sealed');
    const called = await proxy(g, row.id, '/company/companies');
    assert.equal(called.statusCode, 200, called.body);
    assert.deepEqual(called.json(), { path: '/v2025_1/apis/3.0/company/companies' });

    // Back on the dashboard: the connection, and its form to update it (settings shown, secrets not).
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    await page.locator(`tr[data-connection-id="${row.id}"]`).waitFor();
    assert.equal(await form().getByLabel('Company ID').inputValue(), 'acme');
    assert.equal(await form().getByLabel('Private key').inputValue(), '');
    assert.equal(await form().getByRole('button', { name: 'Update ConnectWise PSA' }).count(), 1);
    assert.ok(!(await page.content()).includes(privateKey));
  });

  await t.test('Autotask style through a one-time connect link, signed out: refused once, then connected', async () => {
    const code = `code-${randomBytes(8).toString('hex')}`;
    const secret = `secret-${randomBytes(8).toString('hex')}`;
    const user = 'api@acme.example';
    const vendor = await startMock((req) => {
      if (req.headers.apiintegrationcode !== code || req.headers.username !== user || req.headers.secret !== secret) return undefined;
      return [200, { items: [], path: req.url }];
    });
    t.after(() => vendor.close());
    const connectorId = await createConnector(g, {
      name: 'Autotask',
      authMode: 'api_key',
      apiBaseUrl: `http://\${connectionConfig.zone}:${vendor.port}/atservicesrest/v1.0`,
      connectionConfig: [
        { name: 'zone', title: 'Zone host', type: 'string', enum: ['webservices2.autotask.net', '127.0.0.1'] },
        { name: 'userName', title: 'API user', type: 'string', format: 'email' },
      ],
      credentials: [
        { name: 'integrationCode', title: 'Tracking identifier' },
        { name: 'secret', title: 'Secret' },
      ],
      proxyHeaders: { ApiIntegrationCode: '${credentials.integrationCode}', UserName: '${connectionConfig.userName}', Secret: '${credentials.secret}' },
      verify: { method: 'GET', path: '/Version' },
    });
    const link = await connectLink(g, connectorId, owner.organizationId);
    const page = await (await chrome.newContext()).newPage();
    await page.goto(link);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Connect Autotask');
    const form = page.locator(`form[data-connector-id="${connectorId}"]`);
    assert.equal(await form.getByLabel('API user').getAttribute('type'), 'email');
    await form.getByLabel('Zone host').selectOption('127.0.0.1');
    await form.getByLabel('API user').pressSequentially(user);
    await form.getByLabel('Tracking identifier').pressSequentially(code);
    await form.getByLabel('Secret').pressSequentially('not-the-secret');
    await form.getByRole('button', { name: 'Connect Autotask' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /the vendor refused these credentials/);
    assert.deepEqual(await rows(connectorId), []);
    // The refused attempt spent the link and left a new one in the form, so the person tries again.
    await form.getByLabel('Tracking identifier').pressSequentially(code);
    await form.getByLabel('Secret').pressSequentially(secret);
    await form.getByRole('button', { name: 'Connect Autotask' }).click();
    await page.getByRole('heading', { name: 'Connected and verified' }).waitFor();
    const [row] = await rows(connectorId);
    assert.equal(row.organization_id, owner.organizationId);
    const called = await proxy(g, row.id, '/Companies/query');
    assert.equal(called.statusCode, 200, called.body);
    // The link worked once.
    const again = await page.goto(link);
    assert.equal(again?.status(), 400);
    assert.match(await page.locator('main').innerText(), /expired or was already used/);
  });

  await t.test('an OAuth connector asks for the tenant, refuses a malformed one on the form, then goes to the vendor with it', async () => {
    const vendor = await startVendor();
    t.after(() => vendor.close());
    const connectorId = await createConnector(g, {
      name: 'Microsoft Graph',
      grantType: 'authorization_code',
      authUrl: `${vendor.url}/authorize?tenant=\${connectionConfig.tenant}`,
      tokenUrl: `${vendor.url}/token?tenant=\${connectionConfig.tenant}`,
      clientId: 'gatehouse-client',
      clientSecret: 'vendor-secret',
      apiBaseUrl: `${vendor.url}/api`,
      connectionConfig: [{ name: 'tenant', title: 'Tenant ID', type: 'string', format: 'uuid', description: 'Your Microsoft Entra tenant.' }],
    });
    const tenantId = randomUUID();
    const page = await (await chrome.newContext()).newPage();
    await signIn(page, origin, owner.email, owner.password);
    await page.getByRole('link', { name: 'Connect Microsoft Graph' }).click();
    await page.getByRole('heading', { name: 'Connect Microsoft Graph' }).waitFor();
    const form = page.locator(`form[data-connector-id="${connectorId}"]`);
    await form.getByLabel('Tenant ID').pressSequentially('contoso');
    await form.getByRole('button', { name: 'Continue to Microsoft Graph' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /config\/tenant must be a uuid/);
    assert.equal(await form.getByLabel('Tenant ID').getAttribute('aria-invalid'), 'true');
    assert.equal(vendor.authorizeQueries.length, 0, 'the browser did not leave');

    await form.getByLabel('Tenant ID').fill('');
    await form.getByLabel('Tenant ID').pressSequentially(tenantId);
    await form.getByRole('button', { name: 'Continue to Microsoft Graph' }).click();
    // The vendor approves at once and sends the browser back; Gatehouse stores the connection.
    await page.waitForURL((url) => url.origin === origin && url.pathname !== `/connectors/${connectorId}/connect`);
    assert.equal(vendor.authorizeQueries.length, 1);
    assert.equal(vendor.authorizeQueries[0].get('tenant'), tenantId);
    const [row] = await rows(connectorId);
    assert.equal(row.status, 'active');
    assert.deepEqual(row.config, { tenant: tenantId });
    assert.equal(vendor.tokenCalls.length, 1);
  });
});
