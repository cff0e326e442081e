// The password forms submitted with every field a browser sends, including the hidden
// `username` field that tells password managers which account the new password belongs to:
// the dashboard's "choose a password" (OEM users have none) and "change password", and the
// one-time /password/set/:token page. The field is accepted and ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse } from './helpers.ts';
import { Browser } from './interactive-helpers.ts';
import { createOrganization, createVendor, credentials, organizationData } from './oem-helpers.ts';

/** Every named field of the form posting to `action`, as the browser would submit it (passwords filled). */
function browserFields(page: string, action: string, password: string): Record<string, string> {
  const form = [...page.matchAll(/<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].find((m) => m[1] === action);
  assert.ok(form, `the page has a form posting to ${action}`);
  const fields: Record<string, string> = {};
  for (const [input] of form[2].matchAll(/<input\b[^>]*>/g)) {
    const name = /\bname="([^"]*)"/.exec(input)?.[1];
    if (!name) continue;
    const type = /\btype="([^"]*)"/.exec(input)?.[1] ?? 'text';
    const value = /\bvalue="([^"]*)"/.exec(input)?.[1] ?? '';
    fields[name] = type === 'password' ? password : value.replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)));
  }
  return fields;
}

test('password forms accept what a browser submits', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const data = organizationData();
  const org = await createOrganization(g, vendor, data);
  const email = data.email as string;
  const [owner] = await g.services.organizations.users(org.organizationId);

  const oemSession = async () => {
    const session = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken },
    });
    const browser = new Browser(g);
    assert.equal((await browser.get(new URL(session.json().redirectUrl).pathname)).statusCode, 303);
    return browser;
  };

  await t.test('an OEM user chooses a first password on the dashboard, then signs in with it', async () => {
    const browser = await oemSession();
    const dashboard = await browser.get('/dashboard');
    assert.match(dashboard.body, /You have no password yet/);
    const fields = browserFields(dashboard.body, '/account/password', 'first chosen password');
    assert.equal(fields.username, email, 'the password-manager hint names the account');
    assert.deepEqual(Object.keys(fields).sort(), ['confirm', 'csrf', 'password', 'username']);
    const chosen = await browser.post('/account/password', fields);
    assert.equal(chosen.statusCode, 303, chosen.body);
    assert.equal(chosen.headers.location, '/dashboard');
    assert.equal((await new Browser(g, '10.9.0.1').login(email, 'first chosen password')).statusCode, 303);
  });

  await t.test('changing the password sends the current one and the hint', async () => {
    const browser = new Browser(g, '10.9.0.2');
    await browser.login(email, 'first chosen password');
    const fields = browserFields((await browser.get('/dashboard')).body, '/account/password', 'second chosen password');
    assert.deepEqual(Object.keys(fields).sort(), ['confirm', 'csrf', 'current', 'password', 'username']);
    const changed = await browser.post('/account/password', { ...fields, current: 'first chosen password' });
    assert.equal(changed.statusCode, 303, changed.body);
    assert.equal((await new Browser(g, '10.9.0.3').login(email, 'second chosen password')).statusCode, 303);
  });

  await t.test('the one-time link page, submitted whole; a different username changes nothing about whose password it is', async () => {
    const created = await g.app.inject({ method: 'POST', url: `/admin/api/v1/users/${owner.id}/password-link`, headers: admin });
    const path = new URL(created.json().url).pathname;
    const browser = new Browser(g, '10.9.0.4');
    const fields = browserFields((await browser.get(path)).body, path, 'third chosen password');
    assert.deepEqual(Object.keys(fields).sort(), ['confirm', 'csrf', 'password', 'username']);
    assert.equal(fields.username, email);
    const set = await browser.post(path, { ...fields, username: 'someone.else@example.com' });
    assert.equal(set.statusCode, 303, set.body);
    assert.equal((await new Browser(g, '10.9.0.5').login(email, 'third chosen password')).statusCode, 303, "the link's user got the password");
  });

  await t.test('fields the forms do not have are still refused, naming the field', async () => {
    const browser = new Browser(g, '10.9.0.6');
    await browser.login(email, 'third chosen password');
    const fields = browserFields((await browser.get('/dashboard')).body, '/account/password', 'fourth chosen password');
    const refused = await browser.post('/account/password', { ...fields, current: 'third chosen password', colour: 'red' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /body\/colour is not an allowed field/);
    const long = await browser.post('/account/password', { ...fields, current: 'third chosen password', username: 'x'.repeat(400) });
    assert.equal(long.statusCode, 400, 'the hint is bounded like every other field');
  });
});
