// An organization's webhooks and connections in the operator console, in a real Chromium against
// a listening Gatehouse that delivers over real HTTP: sign in with the admin token, follow the
// overview's link to a failing subscription, read the receiver's answer in the delivery log, see
// a bad URL refused with the field marked, point the subscription at a working receiver, resend
// the delivery by clicking and see it delivered; refresh and delete a connection. Screenshots of
// every page go to a temporary folder, named in the test's diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { emit } from '../src/events/outbox.ts';
import { ADMIN_TOKEN, admin, freePort, startGatehouse } from './helpers.ts';
import { tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshots } from './chromium.ts';
import { connectClientCredentials, createConnector, definition, startVendor } from './connector-vendors.ts';
import { LOOPBACK, eventually, startReceiver } from './webhook-helpers.ts';

test("an organization's webhooks and connections, in the console", { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ ...LOOPBACK, GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);
  const down = await startReceiver(() => ({ status: 500, body: 'receiver down: database on fire' }));
  const up = await startReceiver(() => ({ status: 204 }));
  const vendor = await startVendor();
  t.after(() => Promise.all([down.close(), up.close(), vendor.close()]));
  const org = await tenant(g);
  const orgPage = `${origin}/console/organizations/${org.organizationId}`;

  // A subscription made through the admin API, failing: its receiver answers 500.
  const created = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/organizations/${org.organizationId}/webhooks`,
    headers: admin,
    payload: { webhook_url: down.url, eventTypes: ['user.added'] },
  });
  assert.equal(created.statusCode, 201, created.body);
  const hookId: string = created.json().webhook_id;
  await g.services.storage.db.transaction().execute((trx) =>
    emit(trx, {
      type: 'user.added',
      organizationId: org.organizationId,
      data: { organizationId: org.organizationId, userId: 'u1', email: 'u1@example.com', role: 'member' },
    }),
  );
  await down.waitFor(1);
  await eventually(async () => (await g.services.webhooks.subscriptions.get(org.organizationId, hookId)).failing_since !== null);
  const connectorId = await createConnector(g, definition(vendor, { name: 'Northwind RMM', revocationUrl: `${vendor.url}/revoke` }));
  const { connection_id: connectionId } = await connectClientCredentials(g, connectorId, org.organizationId);

  const snap = screenshots(t, 'gatehouse-console-webhooks-');

  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const context = await chrome.newContext();
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const heading = () => page.getByRole('heading', { level: 1 }).innerText();

  await t.test('sign in with the admin token; the overview links to the failing subscription', async () => {
    await page.goto(`${origin}/console/login`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL(`${origin}/console`);
    assert.match(await page.locator('#attention').innerText(), /failing since/);
    await snap(page, 'overview');
    await page
      .locator('#attention')
      .getByRole('link', { name: `Webhook ${hookId}` })
      .click();
    await page.waitForURL(`${orgPage}/webhooks/${hookId}`);
    assert.equal(await heading(), 'Webhook subscription');
    assert.match(await page.locator('#webhook-status').innerText(), /^failing since /);
    const row = page.locator('#deliveries tbody tr').first();
    assert.match(await row.innerText(), /user\.added[\s\S]*pending, next try[\s\S]*500[\s\S]*receiver down: database on fire/);
    assert.equal(await page.getByRole('link', { name: 'Organization Wisozk Inc' }).getAttribute('href'), `/console/organizations/${org.organizationId}`);
    await snap(page, 'webhook-failing');
  });

  await t.test('a bad URL is refused in words with the field marked; the right one is saved', async () => {
    await page.getByLabel('Webhook URL').fill('ftp://hooks.example.com/in');
    await page.getByRole('button', { name: 'Save changes' }).click();
    assert.match(await page.getByRole('alert').innerText(), /^Webhook URL: must be an https URL/);
    assert.equal(await page.getByLabel('Webhook URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Webhook URL').inputValue(), 'ftp://hooks.example.com/in', 'the form keeps what was typed');
    await snap(page, 'webhook-refused');
    await page.getByLabel('Webhook URL').fill(up.url);
    await page.getByRole('button', { name: 'Save changes' }).click();
    assert.equal(await page.getByRole('status').innerText(), 'Saved.');
    assert.equal(await page.locator('#webhook-url').innerText(), up.url);
  });

  await t.test('resend the delivery by clicking; it is delivered', async () => {
    await page.locator('#deliveries').getByRole('button', { name: 'Resend' }).first().click();
    assert.match(await page.getByRole('status').innerText(), /^Resent/);
    await up.waitFor(1);
    assert.equal(up.received[0]!.headers['webhook-id'], (await g.services.webhooks.deliveries.attempts(hookId)).at(-1)!.event_id);
    // The scheduled retry may have gone to the fixed URL too; the manual attempt is the one clicked.
    await eventually(async () => {
      await page.reload();
      return /delivered \(manual\)\s+\d+\s+204/.test(await page.locator('#deliveries tbody tr').first().innerText());
    });
    assert.match(await page.locator('#webhook-status').innerText(), /^enabled$/);
    await snap(page, 'webhook-delivered');
    const [event] = await g.services.audit.list({ action: 'webhook.resent' });
    assert.equal(event!.actor, 'admin-token');
  });

  await t.test('the confirmation pages say what stops', async () => {
    for (const [link, words, name] of [
      ['Disable the webhook', /stops sending to this URL at once/, 'webhook-disable-confirm'],
      ['Rotate the signing secret', /keeps signing alongside it for 24 hours/, 'webhook-rotate-confirm'],
      ['Delete the webhook', /removed for good/, 'webhook-delete-confirm'],
    ] as const) {
      await page.goto(`${orgPage}/webhooks/${hookId}`);
      await page.getByRole('link', { name: link }).click();
      assert.match(await page.locator('.notice').innerText(), words);
      await snap(page, name);
    }
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    assert.equal(await heading(), 'Webhooks of Wisozk Inc');
    assert.match(await page.locator('#webhooks tbody').innerText(), new RegExp(`${up.url.replace(/[/.]/g, '\\$&')}\\s+user\\.added\\s+enabled`));
    await snap(page, 'webhooks');
  });

  await t.test('refresh a connection, then delete it after the page saying what breaks', async () => {
    await page.getByRole('link', { name: 'Connections', exact: true }).click();
    assert.equal(await heading(), 'Connections of Wisozk Inc');
    const row = page.locator(`#connection-${connectionId}`);
    assert.match(await row.innerText(), /Northwind RMM[\s\S]*active/);
    const calls = vendor.tokenCalls.length;
    await row.getByRole('button', { name: 'Refresh now' }).click();
    assert.match(await page.getByRole('status').innerText(), /^Refreshed/);
    assert.equal(vendor.tokenCalls.length, calls + 1);
    await snap(page, 'connections');
    await page.locator(`#connection-${connectionId}`).getByRole('link', { name: 'Delete' }).click();
    assert.match(await page.locator('.notice').innerText(), /refused at once[\s\S]*revoked at Northwind RMM first/);
    await snap(page, 'connection-delete-confirm');
    await page.getByRole('button', { name: 'Yes, delete the connection' }).click();
    assert.equal(await page.getByRole('status').innerText(), 'Deleted.');
    assert.match(await page.locator('main').innerText(), /No connections\./);
    assert.equal(await g.services.connectors.connections.find(connectionId), undefined);
  });

  await t.test('every page has the console headers; a signed-out visitor is refused', async () => {
    const pages = [`${orgPage}/webhooks`, `${orgPage}/webhooks/${hookId}`, `${orgPage}/connections`];
    for (const url of pages) {
      const res = await page.goto(url);
      assert.equal(res?.status(), 200, url);
      assert.equal(res?.headers()['content-security-policy']?.includes("frame-ancestors 'none'"), true, url);
    }
    const visitor = await (await chrome.newContext()).newPage();
    for (const url of pages) {
      const res = await visitor.goto(url);
      assert.equal(res?.status(), 401, url);
      assert.equal(await visitor.getByRole('heading', { level: 1 }).innerText(), 'Not signed in (401)');
    }
    await snap(visitor, 'refused');
  });
});
