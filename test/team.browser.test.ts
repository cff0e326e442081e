// The Team section as people use it, in a real Chromium against a listening Gatehouse: the owner
// signs in with a password, invites someone and copies the one-time link off the page; the
// invited person opens it in a browser of their own, chooses a password by filling in the form,
// and later signs in at /login; the owner makes them an admin, then removes them, which ends
// their session at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';
import { freePort, startGatehouse } from './helpers.ts';
import { tenant } from './interactive-helpers.ts';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.ts';

const INVITED = 'ivy.invited@example.com';
const INVITED_PASSWORD = 'ivy chooses a long password';

async function signIn(page: Page, origin: string, email: string, password: string) {
  await page.goto(`${origin}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/dashboard');
}

test(
  'the owner invites, the invited person sets a password and signs in, the owner changes their role and removes them',
  { skip: !existsSync(CHROMIUM) && 'Chromium is not installed' },
  async (t) => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
    t.after(() => g.stop());
    assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), origin);
    const owner = await tenant(g);

    // launch() starts Chromium on a fresh temporary profile (user-data-dir), removed on close;
    // each person below gets a context of their own, so nothing is shared between them.
    const chrome = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => chrome.close());
    const ownerPage = await (await chrome.newContext()).newPage();
    const invitedPage = await (await chrome.newContext()).newPage();
    const row = (page: Page) => page.locator('#team tr', { hasText: INVITED });

    let link = '';
    await t.test('the owner signs in and invites someone; the page shows a one-time link to copy', async () => {
      await signIn(ownerPage, origin, owner.email, owner.password);
      assert.equal(await ownerPage.getByRole('heading', { name: 'Team' }).count(), 1);
      const invite = ownerPage.locator('#invite');
      await invite.getByLabel('Email address').fill(INVITED);
      await invite.getByLabel('First name').fill('Ivy');
      await invite.getByLabel('Last name').fill('Invited');
      await invite.getByLabel('Role').selectOption('member');
      await invite.getByRole('button', { name: 'Invite' }).click();
      await ownerPage.getByRole('heading', { name: 'Invitation link' }).waitFor();
      link = await ownerPage.getByLabel('Set-password link').inputValue();
      assert.match(link, new RegExp(`^${origin}/password/set/[A-Za-z0-9_-]{40,}$`));
      assert.ok((await ownerPage.locator('main').innerText()).includes(INVITED));
    });

    await t.test('the invited person opens the link in their own browser, chooses a password, and signs in at /login', async () => {
      await invitedPage.goto(link);
      assert.equal(await invitedPage.getByRole('heading', { level: 1 }).innerText(), 'Choose a password');
      await invitedPage.getByLabel('New password').fill(INVITED_PASSWORD);
      await invitedPage.getByLabel('Repeat it').fill(INVITED_PASSWORD);
      await invitedPage.getByRole('button', { name: 'Save and sign in' }).click();
      await invitedPage.waitForURL((url) => url.pathname === '/dashboard');
      assert.match(await invitedPage.getByText('Signed in as').innerText(), new RegExp(`${INVITED} \\(member\\)`));
      // A member sees the team, without the controls.
      assert.equal(await invitedPage.locator('#invite').count(), 0);

      await invitedPage.getByRole('button', { name: 'Sign out' }).click();
      await invitedPage.waitForURL((url) => url.pathname === '/login');
      await signIn(invitedPage, origin, INVITED, INVITED_PASSWORD);
      assert.match(await invitedPage.getByText('Signed in as').innerText(), new RegExp(INVITED));

      // The link worked once.
      const reused = await invitedPage.goto(link);
      assert.equal(reused?.status(), 410);
    });

    await t.test('the owner makes them an admin', async () => {
      await ownerPage.goto(`${origin}/dashboard`);
      await row(ownerPage).getByLabel(`Role of ${INVITED}`).selectOption('admin');
      await row(ownerPage).getByRole('button', { name: 'Change role' }).click();
      await ownerPage.waitForURL((url) => url.pathname === '/dashboard');
      assert.match(await row(ownerPage).innerText(), /\badmin\b/);
      await invitedPage.goto(`${origin}/dashboard`);
      assert.match(await invitedPage.getByText('Signed in as').innerText(), /\(admin\)/);
      assert.equal(await invitedPage.locator('#invite').count(), 1, 'an admin gets the invite form');
    });

    await t.test('the owner removes them after confirming; their session ends at once', async () => {
      await row(ownerPage)
        .getByRole('button', { name: `Remove ${INVITED}` })
        .click();
      await ownerPage.getByRole('heading', { name: `Remove ${INVITED}?` }).waitFor();
      await ownerPage.getByRole('button', { name: `Yes, remove ${INVITED}` }).click();
      await ownerPage.waitForURL((url) => url.pathname === '/dashboard');
      assert.equal(await row(ownerPage).count(), 0);
      const gone = await invitedPage.goto(`${origin}/dashboard`);
      assert.equal(gone?.status(), 401);
      assert.equal(await invitedPage.getByRole('heading', { level: 1 }).innerText(), 'Not signed in');
    });
  },
);
