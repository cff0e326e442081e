// The console's organization pages as an operator uses them, in a real Chromium against a
// listening Gatehouse: sign in with the admin token, find an organization by a user's email,
// invite someone (a refused address named and marked, then the set-password link shown once and
// copied), who sets a password through it; change a role, hand out a one-time login link that
// opens the dashboard, remove a user after confirming; rotate a partner key and the OEM token,
// revoke the token. A forged form, an organization member and a signed-out visitor are refused.
// Screenshots of every page go to a temporary folder, named in the test's diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { ADMIN_TOKEN, freePort, startGatehouse } from './helpers.ts';
import { PASSWORD } from './interactive-helpers.ts';
import { createOrganization, enrolled, organizationData } from './oem-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS, screenshots } from './chromium.ts';

const INVITED = 'nia.new@contoso.example';
const INVITED_PASSWORD = 'nia picks a long password';

test('the console organization pages, page by page', { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' }, async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);
  const { vendor, org, integration } = await enrolled(g, 'Fabrikam Backup');
  const orgId = org.organizationId;
  const owner = (await g.services.organizations.users(orgId))[0]!;
  await g.services.accounts.setPassword(owner.id, PASSWORD);
  for (let i = 0; i < 3; i++) await createOrganization(g, vendor, organizationData({ name: `Other Partner ${i}` }));
  const orgPath = `/console/organizations/${orgId}`;

  const snap = screenshots(t, 'gatehouse-console-organizations-');

  const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => chrome.close());
  const context = await chrome.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const heading = () => page.getByRole('heading', { level: 1 }).innerText();
  const userRow = (email: string) => page.locator('#user-list tbody tr').filter({ hasText: email });

  await t.test('sign in with the admin token and find the organization by its owner’s email', async () => {
    await page.goto(`${origin}/console/login`);
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.waitForURL(`${origin}/console`);
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'Organizations' }).click();
    assert.equal(await heading(), 'Organizations');
    assert.equal(await page.locator('#organizations tbody tr').count(), 4);
    await snap(page, 'organizations');
    await page.getByRole('searchbox').fill(owner.email.toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.locator('#organizations tbody tr').count(), 1);
    await snap(page, 'organizations-search');
    await page.getByRole('link', { name: 'Wisozk Inc' }).click();
    await page.waitForURL(`${origin}${orgPath}`);
    assert.equal(await heading(), 'Wisozk Inc');
    assert.equal(await page.getByRole('link', { name: 'Fabrikam Backup' }).first().getAttribute('href'), `/console/vendors/${vendor.vendor_id}`);
    assert.equal(await page.getByRole('link', { name: 'Webhook subscriptions' }).getAttribute('href'), `${orgPath}/webhooks`);
    assert.equal(await page.getByRole('link', { name: 'Connections' }).getAttribute('href'), `${orgPath}/connections`);
    assert.match(await userRow(owner.email).innerText(), /The only owner/);
    await snap(page, 'organization');
  });

  let link = '';
  await t.test('invite a user: a refused address is named and marked, then the link is shown once and copied', async () => {
    const invite = page.locator('#invite');
    // The browser takes "nia@contoso"; Gatehouse wants a dotted domain and says so.
    await invite.getByLabel('Email address').fill('nia@contoso');
    await invite.getByLabel('First name').fill('Nia');
    await invite.getByLabel('Role').selectOption('admin');
    await invite.getByRole('button', { name: 'Invite' }).click();
    assert.match(await page.getByRole('alert').innerText(), /^Email address: "nia@contoso" is not an email address/);
    assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('First name').inputValue(), 'Nia', 'the form keeps what was typed');
    await snap(page, 'invite-refused');
    await page.getByLabel('Email address').fill(INVITED);
    await page.getByRole('button', { name: 'Invite' }).click();
    assert.equal(await heading(), `Invitation link for ${INVITED}`);
    link = await page.getByLabel('Set-password link').inputValue();
    assert.match(link, new RegExp(`^${origin}/password/set/`));
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(
      await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText()),
      link,
    );
    await snap(page, 'invite-link');
    await page.getByRole('link', { name: 'Back to the organization' }).click();
    assert.ok(!(await page.content()).includes(link), 'the link is never shown again');
    assert.match(await userRow(INVITED).innerText(), /Nia\s+nia\.new@contoso\.example\s+admin\s+not yet/);

    const theirs = await (await chrome.newContext()).newPage();
    await theirs.goto(link);
    await theirs.getByLabel('New password').fill(INVITED_PASSWORD);
    await theirs.getByLabel('Repeat it').fill(INVITED_PASSWORD);
    await theirs.getByRole('button', { name: 'Save and sign in' }).click();
    await theirs.waitForURL(`${origin}/dashboard`);
    await theirs.context().close();
    await page.reload();
    assert.match(await userRow(INVITED).innerText(), /admin\s+set/);
  });

  await t.test('make the invited user an owner; the first owner can then be changed', async () => {
    await userRow(INVITED).getByLabel(`Role of ${INVITED}`).selectOption('owner');
    await userRow(INVITED).getByRole('button', { name: 'Change role' }).click();
    await page.waitForURL(`${origin}${orgPath}#users`);
    assert.equal((await g.services.users.get((await g.services.organizations.users(orgId)).find((u) => u.email === INVITED)!.id)).role, 'owner');
    assert.equal(await userRow(owner.email).getByRole('button', { name: 'Change role' }).count(), 1);
  });

  await t.test('a one-time login link opens the user’s dashboard, once', async () => {
    await userRow(INVITED).getByRole('button', { name: 'One-time login link' }).click();
    assert.equal(await heading(), `One-time login link for ${INVITED}`);
    const login = await page.getByLabel('One-time login link').inputValue();
    assert.match(login, new RegExp(`^${origin}/login-link/`));
    assert.match(await page.locator('.card').innerText(), /Whoever opens it is signed in as nia\.new@contoso\.example/);
    await snap(page, 'login-link');
    const theirs = await (await chrome.newContext()).newPage();
    await theirs.goto(login);
    await theirs.waitForURL(`${origin}/dashboard`);
    const again = await (await chrome.newContext()).newPage();
    const second = await again.goto(login);
    assert.ok(second!.status() >= 400, 'the link works once');
    await theirs.context().close();
    await again.context().close();
  });

  await t.test('remove the first owner after the page that says what ends', async () => {
    await page.goto(`${origin}${orgPath}`);
    await userRow(owner.email).getByRole('link', { name: 'Remove' }).click();
    assert.match(await page.locator('.notice').innerText(), /browser sessions end at once/);
    await snap(page, 'remove-confirm');
    await page.getByRole('button', { name: `Yes, remove ${owner.email}` }).click();
    await page.waitForURL(`${origin}${orgPath}#users`);
    assert.equal(await userRow(owner.email).count(), 0);
    assert.equal(await g.services.users.find(owner.id), undefined);
  });

  await t.test('rotate the partner key: a bad overlap is named, then the new key is shown once', async () => {
    const row = page.locator(`tr[data-integration-id="${integration.integration.id}"]`);
    await row.getByLabel('Seconds the current key keeps working').fill('soon');
    await row.getByRole('button', { name: 'Rotate the partner key' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Overlap: a whole number of seconds/);
    assert.equal(await page.getByLabel('Seconds the current key keeps working').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Seconds the current key keeps working').fill('60');
    await page.getByRole('button', { name: 'Rotate the partner key' }).click();
    assert.equal(await heading(), 'New partner API key for Fabrikam Backup');
    assert.match(await page.getByLabel('Partner API key').inputValue(), /^ghp_/);
    await snap(page, 'partner-key');
    await page.getByRole('link', { name: 'Back to the organization' }).click();
    assert.match(await page.locator(`tr[data-integration-id="${integration.integration.id}"]`).innerText(), /external\s+pending\s+2/);
  });

  await t.test('rotate the OEM token after confirming, then revoke it', async () => {
    await page.getByRole('link', { name: 'Rotate the OEM token' }).click();
    assert.match(await page.locator('.notice').innerText(), /The current token stops working at once/);
    await snap(page, 'oem-token-rotate-confirm');
    await page.getByRole('button', { name: 'Yes, rotate the OEM token' }).click();
    const token = await page.getByLabel('Organization OEM token').inputValue();
    assert.match(token, /^ghorg_/);
    assert.equal((await g.services.organizations.findByOemToken(token))?.id, orgId);
    assert.equal(await g.services.organizations.findByOemToken(org.organizationOemToken), undefined);
    await snap(page, 'oem-token');
    await page.getByRole('link', { name: 'Back to the organization' }).click();
    await page.getByRole('link', { name: 'Revoke the OEM token' }).click();
    assert.match(await page.locator('.notice').innerText(), /no token replaces it/);
    await page.getByRole('button', { name: 'Yes, revoke the OEM token' }).click();
    assert.equal(await page.locator('#oem-token-status').innerText(), 'revoked');
    assert.equal(await g.services.organizations.findByOemToken(token), undefined);
    await snap(page, 'organization-after');
  });

  await t.test('a form without its CSRF token is refused and changes nothing', async () => {
    const before = (await g.services.organizations.users(orgId)).length;
    await page.goto(`${origin}${orgPath}`);
    await page.locator('#invite input[name=csrf]').evaluate((input) => ((input as unknown as { value: string }).value = 'forged'));
    await page.getByLabel('Email address').fill('forged@contoso.example');
    await page.getByRole('button', { name: 'Invite' }).click();
    assert.equal(await heading(), 'Not allowed (403)');
    assert.equal((await g.services.organizations.users(orgId)).length, before);
  });

  await t.test("an organization member's session and a signed-out visitor are refused", async () => {
    const member = await (await chrome.newContext()).newPage();
    await member.goto(`${origin}/login`);
    await member.getByLabel('Email').fill(INVITED);
    await member.getByLabel('Password').fill(INVITED_PASSWORD);
    await member.getByRole('button', { name: 'Sign in' }).click();
    await member.waitForURL(`${origin}/dashboard`);
    const visitor = await (await chrome.newContext()).newPage();
    for (const who of [member, visitor]) {
      for (const path of ['/console/organizations', orgPath, `${orgPath}/oem-token/rotate`]) {
        const res = await who.goto(`${origin}${path}`);
        assert.equal(res?.status(), 401, path);
        assert.equal(await who.getByRole('heading', { level: 1 }).innerText(), 'Not signed in (401)');
      }
    }
    await snap(visitor, 'refused');
  });
});
