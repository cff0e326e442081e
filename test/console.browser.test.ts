// The operator console as an operator uses it, in a real Chromium against a listening Gatehouse:
// sign in with the admin token, add an operator who sets a password through the link and signs
// in with it; create a client (its secret shown once, copied with the button), fix a refused
// field, edit, rotate and delete it; create a vendor, rotate its Vendor API key with an overlap,
// disable and enable it; rotate the signing keys; filter the audit log; sign out. A forged form,
// an organization member and a signed-out visitor are refused everywhere under /console.
// Screenshots of every page go to a temporary folder, named in the test's diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, freePort, startGatehouse } from './helpers.ts';
import { tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshots } from './chromium.ts';

const OPERATOR = 'otto.operator@example.com';
const OPERATOR_PASSWORD = 'otto runs the gatehouse';
const CONSOLE_PAGES = [
  '/console',
  '/console/clients',
  '/console/clients/new',
  '/console/vendors',
  '/console/keys',
  '/console/keys/rotate',
  '/console/audit',
  '/console/operators',
];

test('the operator console, page by page', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);
  const member = await tenant(g, 'Member Vendor');

  const snap = screenshots(t, 'gatehouse-console-');

  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const tokenContext = await chrome.newContext();
  await tokenContext.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  tokenContext.setDefaultTimeout(10_000);
  const page = await tokenContext.newPage();
  const heading = () => page.getByRole('heading', { level: 1 }).innerText();

  await t.test('sign in with the admin token; the overview shows the counts', async () => {
    await page.goto(`${origin}/console`);
    assert.equal(await heading(), 'Not signed in (401)');
    await page.getByRole('link', { name: 'Sign in to the console' }).click();
    await snap(page, 'sign-in');
    await page.getByLabel('Admin token').fill('wrong-token-value');
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    assert.match(await page.getByRole('alert').innerText(), /That is not the admin token/);
    assert.equal(await page.getByLabel('Admin token').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL(`${origin}/console`);
    assert.equal(await heading(), 'Overview');
    assert.match(await page.locator('#counts').innerText(), /Organizations\s+1[\s\S]*Vendors\s+1/);
    assert.match(await page.getByText('Signed in as').innerText(), /the admin token/);
    await snap(page, 'overview');
  });

  let link = '';
  await t.test('add an operator; they set a password through the link', async () => {
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Operators' }).click();
    await page.getByLabel('Email').fill(OPERATOR);
    await page.getByRole('button', { name: 'Add operator' }).click();
    link = await page.getByLabel('Set-password link').inputValue();
    assert.match(link, new RegExp(`^${origin}/console/password/`));
    await snap(page, 'operator-link');
    const theirs = await (await chrome.newContext()).newPage();
    await theirs.goto(link);
    await theirs.getByLabel('New password').fill(OPERATOR_PASSWORD);
    await theirs.getByLabel('Repeat it').fill(OPERATOR_PASSWORD);
    await theirs.getByRole('button', { name: 'Save and sign in' }).click();
    await theirs.waitForURL(`${origin}/console`);
    assert.match(await theirs.getByText('Signed in as').innerText(), new RegExp(OPERATOR));
    await theirs.context().close();
  });

  await t.test('sign out, and sign in with the operator account', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/console/login`);
    const after = await page.goto(`${origin}/console/clients`);
    assert.equal(after?.status(), 401);
    await page.goto(`${origin}/console/login`);
    await page.getByLabel('Email').fill(OPERATOR);
    await page.getByLabel('Password', { exact: true }).fill(OPERATOR_PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${origin}/console`);
    assert.match(await page.getByText('Signed in as').innerText(), new RegExp(OPERATOR));
  });

  let clientId = '';
  await t.test('create a client: a refused field is named and marked, then the secret is shown once', async () => {
    await page.goto(`${origin}/console/clients/new`);
    await page.getByLabel('Name').fill('Reporting Portal');
    await page.getByLabel('authorization_code').check();
    await page.getByLabel('Redirect URIs (one a line)').fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Create client' }).click();
    assert.match(await page.getByRole('alert').innerText(), /^Redirect URIs: /);
    assert.equal(await page.getByLabel('Redirect URIs (one a line)').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Name').inputValue(), 'Reporting Portal', 'the form keeps what was typed');
    await snap(page, 'client-refused');
    await page.getByLabel('Redirect URIs (one a line)').fill('https://portal.example/callback');
    await page.getByLabel('Scopes (space-separated)').fill('reports:read');
    await page.getByRole('button', { name: 'Create client' }).click();
    assert.equal(await heading(), 'Client created');
    const secret = await page.getByLabel('Client secret').inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{40,}$/);
    clientId = await page.locator('#client-id').innerText();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()),
      secret,
    );
    await snap(page, 'client-secret');
    await page.getByRole('link', { name: 'Go to the client' }).click();
    assert.ok(!(await page.content()).includes(secret), 'the secret is never shown again');
    assert.equal(await page.getByLabel('Scopes (space-separated)').inputValue(), 'reports:read');
  });

  await t.test('find, edit, rotate the secret of and delete the client', async () => {
    await page.goto(`${origin}/console/clients`);
    await page.getByRole('searchbox').fill('report');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.locator('#clients tbody tr').count(), 1);
    await snap(page, 'clients');
    await page.getByRole('link', { name: 'Reporting Portal' }).click();
    await page.getByLabel('Scopes (space-separated)').fill('reports:read reports:write');
    await page.getByLabel('Skip the consent page (first-party app)').check();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('status').waitFor();
    const saved = await g.services.clients.get(clientId);
    assert.deepEqual(saved.scopes, ['reports:read', 'reports:write']);
    assert.equal(saved.skip_consent, true);
    await snap(page, 'client-edit');

    await page.getByRole('link', { name: 'Rotate the secret' }).click();
    assert.match(await page.locator('.notice').innerText(), /stops working at once/);
    await page.getByRole('button', { name: 'Yes, rotate the secret' }).click();
    assert.equal(await heading(), 'New client secret');
    assert.match(await page.getByLabel('Client secret').inputValue(), /^[A-Za-z0-9_-]{40,}$/);

    await page.goto(`${origin}/console/clients/${clientId}`);
    await page.getByRole('link', { name: 'Delete this client' }).click();
    assert.match(await page.locator('.notice').innerText(), /can no longer get tokens/);
    await snap(page, 'client-delete-confirm');
    await page.getByRole('button', { name: 'Yes, delete the client' }).click();
    await page.waitForURL(`${origin}/console/clients`);
    await assert.rejects(g.services.clients.get(clientId), /does not exist/);
  });

  let vendorId = '';
  await t.test('create a vendor, rotate its Vendor API key with an overlap, disable and enable it', async () => {
    await page.goto(`${origin}/console/vendors`);
    await page.getByLabel('Name', { exact: true }).fill('  ');
    await page.getByRole('button', { name: 'Create vendor' }).click();
    assert.match(await page.getByRole('alert').innerText(), /^Name: must not be empty/);
    await page.getByLabel('Name', { exact: true }).fill('Northwind Backup');
    await page.getByRole('button', { name: 'Create vendor' }).click();
    assert.equal(await heading(), 'Vendor Northwind Backup created');
    assert.match(await page.getByLabel('Vendor API key').inputValue(), /^ghv_/);
    assert.ok((await page.getByLabel('OAuth client secret (for the OEM API)').inputValue()).length >= 40);
    vendorId = await page.locator('#vendor-id').innerText();
    await snap(page, 'vendor-created');

    await page.getByRole('link', { name: 'Go to the vendor' }).click();
    await page.getByLabel('Seconds the current key keeps working (overlap)').fill('soon');
    await page.getByRole('button', { name: 'Issue a new key' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Overlap: a whole number of seconds/);
    assert.equal(await page.getByLabel('Seconds the current key keeps working (overlap)').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Seconds the current key keeps working (overlap)').fill('3600');
    const before = Date.now();
    await page.getByRole('button', { name: 'Issue a new key' }).click();
    assert.equal(await heading(), 'New Vendor API key for Northwind Backup');
    const expires = Date.parse(await page.locator('#previous-expires').innerText());
    assert.ok(Math.abs(expires - (before + 3_600_000)) < 60_000, 'the previous key works for the hour asked');
    await snap(page, 'vendor-key-rotated');
    await page.getByRole('link', { name: 'Back to the vendor' }).click();
    assert.equal(await page.locator('#api-keys tbody tr').count(), 2, 'both keys are live during the overlap');

    await page.getByRole('link', { name: 'Disable the vendor' }).click();
    assert.match(await page.locator('.notice').innerText(), /refused at once/);
    await page.getByRole('button', { name: 'Yes, disable the vendor' }).click();
    assert.equal(await page.locator('#vendor-status').innerText(), 'disabled');
    await snap(page, 'vendor');
    await page.getByRole('button', { name: 'Enable the vendor' }).click();
    assert.equal(await page.locator('#vendor-status').innerText(), 'active');
  });

  await t.test('rotate the signing keys after confirming', async () => {
    const current = () => g.services.keystore.list().find((k) => k.status === 'current')!.kid;
    const next = g.services.keystore.list().find((k) => k.status === 'next')!.kid;
    const was = current();
    await page.goto(`${origin}/console/keys`);
    await snap(page, 'keys');
    await page.getByRole('link', { name: 'Rotate the signing keys' }).click();
    await page.getByRole('button', { name: 'Yes, rotate the keys' }).click();
    await page.getByRole('status').waitFor();
    assert.equal(current(), next);
    assert.match(await page.locator('#keys').innerText(), new RegExp(`previous\\s+${was}`));
  });

  await t.test('filter the audit log; every change is there with the operator as actor', async () => {
    await page.goto(`${origin}/console/audit`);
    await page.getByLabel('Action').fill('client.created');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('#events tbody tr');
    assert.equal(await rows.count(), 1);
    const operatorId = (await g.services.operators.list())[0]!.id;
    assert.match(await rows.first().innerText(), new RegExp(`client\\.created\\s+success\\s+operator:${operatorId}`));
    await snap(page, 'audit');
    await page.getByRole('link', { name: `operator:${operatorId}` }).click();
    const actions = await page.locator('#events tbody tr td:nth-child(2)').allInnerTexts();
    for (const action of [
      'console.signed_in',
      'client.created',
      'client.updated',
      'client.secret_rotated',
      'client.deleted',
      'vendor.created',
      'vendor.api_key_rotated',
      'vendor.disabled',
      'vendor.enabled',
      'key.rotated',
    ]) {
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    }
    await page.getByLabel('Outcome').selectOption('failure');
    await page.getByLabel('Action').fill('');
    await page.getByLabel('Actor').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    assert.deepEqual(await page.locator('#events tbody tr td:nth-child(2)').allInnerTexts(), ['console.sign_in_failed']);
    const bad = await page.goto(`${origin}/console/audit?since=yesterday`);
    assert.equal(bad?.status(), 400);
    assert.match(await page.getByRole('alert').innerText(), /From: "yesterday" is not a date and time/);
    assert.equal(await page.getByLabel('From (UTC)').getAttribute('aria-invalid'), 'true');
  });

  await t.test('a form without its CSRF token is refused and changes nothing', async () => {
    const kid = g.services.keystore.list().find((k) => k.status === 'current')!.kid;
    await page.goto(`${origin}/console/keys/rotate`);
    await page.locator('main form.card input[name=csrf]').evaluate((input) => ((input as unknown as { value: string }).value = 'forged'));
    await page.getByRole('button', { name: 'Yes, rotate the keys' }).click();
    assert.equal(await heading(), 'Not allowed (403)');
    assert.equal(g.services.keystore.list().find((k) => k.status === 'current')!.kid, kid);
  });

  await t.test('every page, screenshotted; then sign out', async () => {
    for (const path of [...CONSOLE_PAGES, `/console/vendors/${vendorId}`]) {
      const res = await page.goto(`${origin}${path}`);
      assert.equal(res?.status(), 200, path);
      assert.equal(res?.headers()['content-security-policy']?.includes("frame-ancestors 'none'"), true, path);
      await snap(page, path.replace(/\W+/g, '-').replace(/^-|-$/g, ''));
    }
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${origin}/console/login`);
    assert.equal((await page.goto(`${origin}/console`))?.status(), 401);
  });

  await t.test("an organization member's session and a signed-out visitor are refused everywhere under /console", async () => {
    const memberPage = await (await chrome.newContext()).newPage();
    await memberPage.goto(`${origin}/login`);
    await memberPage.getByLabel('Email').fill(member.email);
    await memberPage.getByLabel('Password').fill(member.password);
    await memberPage.getByRole('button', { name: 'Sign in' }).click();
    await memberPage.waitForURL(`${origin}/dashboard`);
    const visitor = await (await chrome.newContext()).newPage();
    for (const who of [memberPage, visitor]) {
      for (const path of [...CONSOLE_PAGES, `/console/vendors/${vendorId}`]) {
        const res = await who.goto(`${origin}${path}`);
        assert.equal(res?.status(), 401, path);
        assert.equal(await who.getByRole('heading', { level: 1 }).innerText(), 'Not signed in (401)');
      }
    }
    await snap(visitor, 'refused');
  });
});
