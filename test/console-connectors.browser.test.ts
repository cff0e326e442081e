// /console/connectors as an operator uses it, in a real Chromium against a listening Gatehouse:
// sign in with the admin token, pick a template from the catalogue and fill in the OAuth client,
// see the connector with the redirect URI to register, edit it (a refused field is named and
// marked, then fixed), see an organization's connection, and reach the delete confirmation.
// Screenshots of every page go to a temporary folder, named in the test's diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, admin, freePort, startGatehouse } from './helpers.ts';
import { tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshots } from './chromium.ts';

test('console connectors, page by page', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);

  const snap = screenshots(t, 'gatehouse-console-connectors-');

  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const context = await chrome.newContext();
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const heading = () => page.getByRole('heading', { level: 1 }).innerText();
  const alert = () => page.getByRole('alert').innerText();

  await page.goto(`${origin}/console/login`);
  await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await page.waitForURL(`${origin}/console`);

  let id = '';
  await t.test('create a connector from a template, filling its form', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Connectors' }).click();
    assert.equal(await heading(), 'Connectors');
    assert.match(await page.getByText('No connectors.').innerText(), /No connectors/);
    await snap(page, 'connectors-empty');
    await page.getByRole('link', { name: 'New connector from a template' }).click();
    assert.equal(await heading(), 'New connector from a template');
    await snap(page, 'templates');
    await page.getByRole('link', { name: 'Microsoft Graph (tenant-specific)' }).click();
    assert.equal(await heading(), 'New Microsoft Graph (tenant-specific) connector');
    assert.equal(await page.locator('#redirect-uri').innerText(), `${origin}/oauth2/redirect_url`);
    assert.equal(await page.getByLabel('Name').inputValue(), 'Microsoft Graph');
    assert.equal(await page.getByLabel('Scopes').inputValue(), 'offline_access https://graph.microsoft.com/.default');
    await page.getByLabel('Name').fill('Microsoft Graph (Contoso MSP)');
    await page.getByLabel('Client ID').fill('11111111-2222-3333-4444-555555555555');
    await page.getByLabel('Client secret').fill('graph-client-secret-value');
    await snap(page, 'template-form');
    await page.getByRole('button', { name: 'Create connector' }).click();
    await page.waitForURL(/\/console\/connectors\/[0-9a-f]{24}\?created=1$/);
    assert.equal(await heading(), 'Microsoft Graph (Contoso MSP)');
    assert.equal(await page.getByRole('status').innerText(), 'Connector created.');
    id = await page.locator('#connector-id').innerText();
    const api = (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connectors/${id}`, headers: admin })).json();
    assert.equal(api.name, 'Microsoft Graph (Contoso MSP)');
    assert.equal(api.clientId, '11111111-2222-3333-4444-555555555555');
    assert.equal((await g.services.connectors.connectors.get(id)).clientSecret, 'graph-client-secret-value');
    assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'the secret is never filled in again');
    assert.equal((await page.content()).includes('graph-client-secret-value'), false);
    await snap(page, 'connector-created');
  });

  await t.test('edit it: a refused field is named and marked, then the fix is saved', async () => {
    await page.getByLabel('Token URL').fill('login.microsoftonline.com/token');
    await page.getByRole('button', { name: 'Save changes' }).click();
    assert.match(await alert(), /^Token URL: must be an absolute URL/);
    assert.equal(await page.getByLabel('Token URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Microsoft Graph (Contoso MSP)', 'the rest of the form is kept');
    await snap(page, 'edit-refused');
    await page.getByLabel('Token URL').fill('https://login.microsoftonline.com/${connectionConfig.tenant}/oauth2/v2.0/token');
    await page.getByLabel('Scopes').fill('offline_access User.Read');
    await page.getByLabel('Timeout (milliseconds)').fill('20000');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(`${origin}/console/connectors/${id}?saved=1`);
    assert.equal(await page.getByRole('status').innerText(), 'Saved.');
    assert.equal(await page.getByLabel('Scopes').inputValue(), 'offline_access User.Read');
    const api = (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connectors/${id}`, headers: admin })).json();
    assert.deepEqual(api.scopes, ['offline_access', 'User.Read']);
    assert.equal(api.timeoutMs, 20000);
    assert.equal((await g.services.connectors.connectors.get(id)).clientSecret, 'graph-client-secret-value', 'a blank secret keeps the stored one');
    await snap(page, 'edit-saved');
  });

  await t.test("its connections link to the organization; deleting waits until they're gone", async () => {
    const org = await tenant(g, 'Contoso Vendor');
    const connector = await g.services.connectors.connectors.get(id);
    const saved = await g.services.connectors.connections.save(
      connector,
      org.organizationId,
      { accessToken: 'at', refreshToken: 'rt', tokenType: 'Bearer', scope: 'User.Read', expiresAt: new Date(Date.now() + 3_600_000) },
      { settings: { config: { tenant: 'contoso.onmicrosoft.com' }, credentials: {} } },
    );
    await page.reload();
    const row = page.locator('#connections tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /active/);
    await snap(page, 'connector-with-connection');
    // Across to the organization's connections page, where the row is the same connection.
    await row.getByRole('link', { name: 'its connections' }).click();
    await page.waitForURL(`${origin}/console/organizations/${org.organizationId}/connections#connection-${saved.connection.id}`);
    assert.match(await page.locator(`#connection-${saved.connection.id}`).innerText(), /Microsoft Graph \(Contoso MSP\)/);
    await snap(page, 'organization-connections');
    await page.locator(`#connection-${saved.connection.id}`).getByRole('link', { name: 'Microsoft Graph (Contoso MSP)' }).click();
    await page.waitForURL(`${origin}/console/connectors/${id}`);
    await page.getByRole('link', { name: 'Delete this connector' }).click();
    assert.match(await alert(), /still has connections/);
    await snap(page, 'delete-blocked');

    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('searchbox').fill('microsoft');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.locator('#connectors tbody tr').count(), 1);
    await snap(page, 'connectors-search');
  });

  await t.test('create one from the fields, and confirm its deletion', async () => {
    await page.goto(`${origin}/console/connectors/new`);
    await snap(page, 'new-from-fields');
    await page.getByLabel('Name', { exact: true }).fill('Internal API');
    await page.getByLabel('Auth mode').selectOption('api_key');
    await page.getByLabel('API base URL').fill('https://api.internal.example');
    await page.getByLabel('Credentials (api_key, basic, two_step)').fill('[{"name": "key", "title": "API key"}]');
    await page.getByLabel('Headers on every call').fill('{"X-Key": "${credentials.key}"}');
    await page.getByRole('button', { name: 'Create connector' }).click();
    await page.waitForURL(/\?created=1$/);
    assert.equal(await heading(), 'Internal API');
    await page.getByRole('link', { name: 'Delete this connector' }).click();
    assert.equal(await heading(), 'Delete Internal API?');
    await snap(page, 'delete-confirm');
    await page.getByRole('button', { name: 'Yes, delete the connector' }).click();
    await page.waitForURL(`${origin}/console/connectors`);
    assert.equal(await page.locator('#connectors tbody tr').count(), 1);
    await snap(page, 'connectors-after-delete');
  });
});
