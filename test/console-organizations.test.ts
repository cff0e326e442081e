// The console's organization pages without a browser: the list (keyset pages by id, one search
// by name prefix, organization id, vendor id or a user's email), and each organization's page
// with its users, integrations and OEM token, every action checked against what the admin and
// OEM APIs see afterwards. Bad input answers a 4xx page in words with the field marked; a forged
// form, a signed-out visitor and an organization's own member are refused. In Chromium:
// console-organizations.browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, csrfOf, tenant } from './interactive-helpers.ts';
import { createOrganization, createVendor, credentials, enrolled, mspcToken, organizationData, snapshot } from './oem-helpers.ts';

/** A browser signed in to the console with the admin token. */
async function operator(g: TestGatehouse): Promise<Browser> {
  const browser = new Browser(g);
  const page = await browser.get('/console/login');
  const signedIn = await browser.post('/console/login', { csrf: csrfOf(page.body), method: 'token', token: ADMIN_TOKEN });
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  return browser;
}

const names = (body: string) => [...body.matchAll(/<tr><td><a href="\/console\/organizations\/[0-9a-f]{24}">([^<]+)<\/a>/g)].map((m) => m[1]);
const next = (body: string) => /<a href="([^"]+)" rel="next">/.exec(body)?.[1]?.replace(/&#38;/g, '&');

test('the organization list pages by id and finds organizations by name, id, vendor id and a user’s email', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const north = await createVendor(g, 'North Vendor');
  const south = await createVendor(g, 'South Vendor');
  const made: { id: string; name: string }[] = [];
  for (let i = 0; i < 53; i++) {
    const { organization } = await g.services.organizations.create(north.vendor_id, {
      name: `Partner ${String(i).padStart(2, '0')}`,
      email: `owner${i}@north.example`,
    });
    made.push(organization);
  }
  const { organization: southern } = await g.services.organizations.create(south.vendor_id, { name: 'Harbour_IT', email: 'owner@south.example' });
  made.push(southern);
  // A second organization where the same person is a user: the email finds both.
  await g.services.users.add(made[7]!.id, { email: 'Shared.Person@Example.com', role: 'member', emailVerified: true });
  await g.services.users.add(southern.id, { email: 'shared.person@example.com', role: 'admin', emailVerified: true });

  const browser = await operator(g);
  const byId = [...made].sort((a, b) => (a.id < b.id ? -1 : 1));
  const first = await browser.get('/console/organizations');
  assert.equal(first.statusCode, 200);
  assert.match(first.body, /<nav class="console"[^]*<a href="\/console\/organizations">Organizations<\/a>/);
  assert.deepEqual(
    names(first.body),
    byId.slice(0, 50).map((o) => o.name),
  );
  const second = await browser.get(next(first.body)!);
  assert.deepEqual(
    names(second.body),
    byId.slice(50).map((o) => o.name),
  );
  assert.equal(next(second.body), undefined);

  const search = async (q: string) => names((await browser.get(`/console/organizations?search=${encodeURIComponent(q)}`)).body);
  // A name prefix, case-folded, LIKE's wildcards as plain text.
  assert.deepEqual((await search('partner 5')).sort(), ['Partner 50', 'Partner 51', 'Partner 52']);
  assert.deepEqual(await search('harbour_'), ['Harbour_IT']);
  assert.deepEqual(await search('harbour%'), []);
  // An organization id, upper-cased or not; a vendor id lists that vendor's organizations.
  assert.deepEqual(await search(made[3]!.id.toUpperCase()), ['Partner 03']);
  assert.deepEqual(await search(south.vendor_id), ['Harbour_IT']);
  const vendorPage = await browser.get(`/console/organizations?search=${north.vendor_id}`);
  assert.equal(names(vendorPage.body).length, 50);
  const vendorRest = await browser.get(next(vendorPage.body)!);
  assert.match(next(vendorPage.body)!, new RegExp(`search=${north.vendor_id}`), 'the next page keeps the search');
  assert.equal(names(vendorRest.body).length, 3);
  // A user's email, in any case, finds every organization that person is in.
  assert.deepEqual((await search(' SHARED.person@example.com ')).sort(), ['Harbour_IT', 'Partner 07']);
  assert.deepEqual(await search('owner12@north.example'), ['Partner 12']);
  assert.deepEqual(await search('nobody@example.com'), []);
  assert.match((await browser.get('/console/organizations?search=nobody%40example.com')).body, /No organizations match/);

  // Each row links to its vendor.
  assert.match(first.body, new RegExp(`<a href="/console/vendors/${north.vendor_id}">North Vendor</a>`));
  // The vendor's page links its organizations here.
  const vendor = await browser.get(`/console/vendors/${south.vendor_id}`);
  assert.match(vendor.body, new RegExp(`<a href="/console/organizations/${southern.id}">Harbour_IT</a>`));

  // Too long a search is refused in words, not answered with JSON.
  const long = await browser.get(`/console/organizations?search=${'x'.repeat(300)}`);
  assert.equal(long.statusCode, 400);
  assert.match(long.headers['content-type'] as string, /text\/html/);

  // The admin API sees the same organizations.
  const api = await g.app.inject({ method: 'GET', url: '/admin/api/v1/organizations?limit=1000', headers: admin });
  assert.equal(api.json().organizations.length, made.length);
});

/** The value of the read-only field that shows a one-time secret or link. */
const shownOnce = (body: string, id: string) => {
  const value = new RegExp(`id="${id}" class="secret" readonly value="([^"]+)"`).exec(body)?.[1];
  assert.ok(value, `no ${id} on the page: ${body.slice(0, 400)}`);
  return value.replace(/&#38;/g, '&');
};

test("an organization's users: invite, change a role, remove after confirming, set-password and one-time login links", async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g, 'Acme Backup');
  const { organizationId: id } = await createOrganization(g, vendor, organizationData({ name: 'Contoso IT', email: 'olive.owner@contoso.example' }));
  const owner = (await g.services.organizations.users(id))[0]!;
  const browser = await operator(g);
  const orgPage = `/console/organizations/${id}`;
  const apiUsers = async () =>
    (await g.app.inject({ method: 'GET', url: `/admin/api/v1/organizations/${id}`, headers: admin }))
      .json()
      .users.map((u: { email: string; role: string }) => `${u.email} ${u.role}`)
      .sort();

  const page = await browser.get(orgPage);
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<h1>Contoso IT<\/h1>/);
  assert.match(page.body, new RegExp(`<a href="/console/vendors/${vendor.vendor_id}">Acme Backup</a>`));
  assert.match(page.body, new RegExp(`<a href="${orgPage}/webhooks">Webhook subscriptions</a> · <a href="${orgPage}/connections">Connections</a>`));
  assert.match(page.body, /olive\.owner@contoso\.example[^]*The only owner: make another user an owner/);
  assert.doesNotMatch(page.body, new RegExp(`${owner.id}/remove`), 'the last owner is offered no removal');

  // A slip in the address: the page again, in words, the field marked and what was typed kept.
  const bad = await browser.post(`${orgPage}/users`, { csrf: csrfOf(page.body), email: 'not-an-address', first_name: 'Nia', role: 'admin' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Email address: &#34;not-an-address&#34; is not an email address/);
  assert.match(bad.body, /id="invite-email"[^>]*value="not-an-address" class="field-error" aria-invalid="true"/);
  assert.match(bad.body, /id="invite-first-name"[^>]*value="Nia"/);
  const badRole = await browser.post(`${orgPage}/users`, { csrf: csrfOf(page.body), email: 'nia@contoso.example', role: 'superuser' });
  assert.equal(badRole.statusCode, 400);
  assert.match(badRole.headers['content-type'] as string, /text\/html/);

  const invited = await browser.post(`${orgPage}/users`, {
    csrf: csrfOf(page.body),
    email: ' Nia.New@Contoso.example ',
    first_name: 'Nia',
    last_name: 'New',
    role: 'admin',
  });
  assert.equal(invited.statusCode, 201, invited.body);
  const passwordLink = shownOnce(invited.body, 'one-time-link');
  assert.match(passwordLink, /\/password\/set\/[A-Za-z0-9_-]{40,}$/);
  assert.deepEqual(await apiUsers(), ['nia.new@contoso.example admin', 'olive.owner@contoso.example owner']);
  const nia = (await g.services.organizations.users(id)).find((u) => u.email === 'nia.new@contoso.example')!;
  // The link opens the set-password form, and is never shown again.
  assert.equal((await new Browser(g).get(new URL(passwordLink).pathname)).statusCode, 200);
  assert.ok(!(await browser.get(orgPage)).body.includes(passwordLink));
  const taken = await browser.post(`${orgPage}/users`, { csrf: csrfOf(page.body), email: 'nia.new@contoso.example', role: 'member' });
  assert.equal(taken.statusCode, 409);
  assert.match(taken.body, /Email address: a user with this email is already in the organization/);
  assert.match(taken.body, /id="invite-email"[^>]*aria-invalid="true"/);

  // Roles: make Nia an owner; then the first owner may be demoted, and Nia is the only owner.
  assert.equal((await browser.post(`${orgPage}/users/${nia.id}/role`, { csrf: csrfOf(page.body), role: 'owner' })).statusCode, 303);
  assert.equal((await browser.post(`${orgPage}/users/${owner.id}/role`, { csrf: csrfOf(page.body), role: 'member' })).statusCode, 303);
  assert.deepEqual(await apiUsers(), ['nia.new@contoso.example owner', 'olive.owner@contoso.example member']);
  // A form from before (or a second tab) cannot take the last owner away: refused in words on the page.
  const lastOwner = await browser.post(`${orgPage}/users/${nia.id}/role`, { csrf: csrfOf(page.body), role: 'member' });
  assert.equal(lastOwner.statusCode, 409);
  assert.match(lastOwner.body, /role="alert" id="problem">nia\.new@contoso\.example: The organization must keep at least one owner/);
  assert.match(lastOwner.body, new RegExp(`data-user-id="${nia.id}" class="field-error"`));
  const removeLast = await browser.post(`${orgPage}/users/${nia.id}/remove`, { csrf: csrfOf(page.body), confirm: 'yes' });
  assert.equal(removeLast.statusCode, 409);
  assert.deepEqual(await apiUsers(), ['nia.new@contoso.example owner', 'olive.owner@contoso.example member']);

  // Remove Olive, after the page that says what ends; her browser session ends with her.
  await g.services.accounts.setPassword(owner.id, 'olive has a good password');
  const olive = new Browser(g, '192.0.2.44');
  assert.equal((await olive.login('olive.owner@contoso.example', 'olive has a good password')).statusCode, 303);
  assert.equal((await olive.get('/dashboard')).statusCode, 200);
  const confirm = await browser.get(`${orgPage}/users/${owner.id}/remove`);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /Remove olive\.owner@contoso\.example from Contoso IT\?/);
  assert.match(confirm.body, /browser sessions end at once, every token issued to them/);
  const unconfirmed = await browser.post(`${orgPage}/users/${owner.id}/remove`, { csrf: csrfOf(confirm.body) });
  assert.equal(unconfirmed.statusCode, 400);
  assert.deepEqual((await apiUsers()).length, 2, 'nothing is removed without the confirmation');
  const removed = await browser.post(`${orgPage}/users/${owner.id}/remove`, { csrf: csrfOf(confirm.body), confirm: 'yes' });
  assert.equal(removed.statusCode, 303);
  assert.deepEqual(await apiUsers(), ['nia.new@contoso.example owner']);
  assert.notEqual((await olive.get('/dashboard')).statusCode, 200);

  // A new set-password link for someone who has a password says it replaces theirs.
  await g.services.accounts.setPassword(nia.id, 'nia has a good password');
  const reset = await browser.post(`${orgPage}/users/${nia.id}/password-link`, { csrf: csrfOf(page.body) });
  assert.equal(reset.statusCode, 201);
  assert.match(shownOnce(reset.body, 'one-time-link'), /\/password\/set\//);
  assert.match(reset.body, /already has a password: opening the link lets them choose a new one/);

  // A one-time login link opens Nia's dashboard once, and tells the organization's webhooks.
  const login = await browser.post(`${orgPage}/users/${nia.id}/login-link`, { csrf: csrfOf(page.body) });
  assert.equal(login.statusCode, 201, login.body);
  const loginLink = new URL(shownOnce(login.body, 'one-time-link')).pathname;
  assert.match(loginLink, /^\/login-link\//);
  const theirs = new Browser(g);
  const opened = await theirs.get(loginLink);
  assert.equal(opened.statusCode, 303);
  assert.equal(opened.headers.location, '/dashboard');
  assert.equal((await theirs.get('/dashboard')).statusCode, 200);
  assert.notEqual((await new Browser(g).get(loginLink)).statusCode, 303, 'the link works once');
  const sessions = await g.services.storage.db.selectFrom('outbox_events').select('payload').where('type', '=', 'session.created').execute();
  assert.deepEqual(
    sessions.map((e) => e.payload.data.userId),
    [nia.id],
  );

  // A disabled vendor's users cannot sign in: no login link is made, and the page says why.
  await g.services.vendors.setDisabled(vendor.vendor_id, true);
  const disabled = await browser.post(`${orgPage}/users/${nia.id}/login-link`, { csrf: csrfOf(page.body) });
  assert.equal(disabled.statusCode, 409);
  assert.match(disabled.body, /vendor Acme Backup is disabled, so a login link would not open/);
  await g.services.vendors.setDisabled(vendor.vendor_id, false);

  // Every change is in the audit log with the operator as its actor.
  const actions = (await g.services.audit.list({ actor: 'admin-token' })).map((e) => e.action);
  for (const action of ['user.added', 'user.updated', 'user.removed', 'password_link.created', 'login_link.created'])
    assert.ok(actions.includes(action), action);
  const added = (await g.services.audit.list({ action: 'user.added' })).find((e) => e.details.via === 'console')!;
  assert.deepEqual(added.details, { user_id: nia.id, organization_id: id, role: 'admin', via: 'console' });

  // Users of other organizations, and ids that do not exist, are not found here.
  const other = await createOrganization(g, vendor);
  const stranger = (await g.services.organizations.users(other.organizationId))[0]!;
  const foreign = await browser.post(`${orgPage}/users/${stranger.id}/role`, { csrf: csrfOf(page.body), role: 'member' });
  assert.equal(foreign.statusCode, 404);
  assert.equal((await browser.get(`${orgPage}/users/${stranger.id}/remove`)).statusCode, 404);
  const missing = await browser.get('/console/organizations/000000000000000000000000');
  assert.equal(missing.statusCode, 404);
  assert.match(missing.headers['content-type'] as string, /text\/html/);
});

test("an organization's integrations and OEM token: rotate the partner key, disable and enable, rotate and revoke the token", async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { vendor, org, integration, token } = await enrolled(g, 'Fabrikam Backup');
  const id = org.organizationId;
  const integrationId = integration.integration.id;
  const browser = await operator(g);
  const orgPage = `/console/organizations/${id}`;
  const vendorApi = (mspc: string) => g.app.inject({ method: 'GET', url: '/api/vendor-api/organization', headers: { authorization: `Bearer ${mspc}` } });
  assert.equal((await vendorApi(token)).statusCode, 200);

  const page = await browser.get(orgPage);
  assert.match(
    page.body,
    new RegExp(
      `data-integration-id="${integrationId}"><td><a href="/console/vendors/${vendor.vendor_id}">Fabrikam Backup</a></td><td>external</td>\\s*<td>pending</td>\\s*<td>1</td>`,
    ),
  );

  // A bad overlap is named and its field marked; nothing is rotated.
  const rotate = `${orgPage}/integrations/${integrationId}/rotate-partner-key`;
  const bad = await browser.post(rotate, { csrf: csrfOf(page.body), overlap_seconds: 'soon' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.body, /Overlap: a whole number of seconds from 0 to 7776000/);
  assert.match(bad.body, new RegExp(`id="overlap-${integrationId}"[^>]*class="field-error" aria-invalid="true"`));
  assert.equal((await g.services.integrations.partnerKeys(integrationId)).length, 1);

  // With an hour's overlap both keys work; with none the old key stops at once, on the Vendor API's cache too.
  const hour = await browser.post(rotate, { csrf: csrfOf(page.body), overlap_seconds: '3600' });
  assert.equal(hour.statusCode, 200);
  const second = shownOnce(hour.body, 'partner-api-key');
  assert.match(second, /^ghp_/);
  assert.ok(Math.abs(Date.parse(/id="previous-expires">([^<]+)</.exec(hour.body)![1]!) - (Date.now() + 3_600_000)) < 60_000);
  assert.equal((await vendorApi(token)).statusCode, 200);
  assert.equal((await vendorApi(mspcToken(vendor.vendor_api_key, second))).statusCode, 200);
  const now = await browser.post(rotate, { csrf: csrfOf(page.body), overlap_seconds: '0' });
  assert.equal(now.statusCode, 200);
  assert.match(now.body, /The previous key stopped working now/);
  const third = shownOnce(now.body, 'partner-api-key');
  assert.equal((await vendorApi(token)).statusCode, 401);
  assert.equal((await vendorApi(mspcToken(vendor.vendor_api_key, second))).statusCode, 401);
  const current = mspcToken(vendor.vendor_api_key, third);
  assert.equal((await vendorApi(current)).statusCode, 200);
  const api = await g.app.inject({ method: 'GET', url: `/admin/api/v1/integrations/${integrationId}`, headers: admin });
  assert.equal(api.json().partner_keys.length, 1);
  assert.ok(!(await browser.get(orgPage)).body.includes(third), 'the key is shown only once');

  // Disable after the page that says what stops; enable again.
  const confirm = await browser.get(`${orgPage}/integrations/${integrationId}/disable`);
  assert.equal(confirm.statusCode, 200);
  assert.match(confirm.body, /Vendor API calls for this organization are refused \(403\) at once/);
  const skipped = await browser.post(`${orgPage}/integrations/${integrationId}/disable`, { csrf: csrfOf(confirm.body) });
  assert.equal(skipped.statusCode, 303);
  assert.equal(skipped.headers.location, `${orgPage}/integrations/${integrationId}/disable`, 'no disabling without the confirmation');
  assert.equal((await vendorApi(current)).statusCode, 200);
  assert.equal((await browser.post(`${orgPage}/integrations/${integrationId}/disable`, { csrf: csrfOf(confirm.body), confirm: 'yes' })).statusCode, 303);
  assert.equal((await vendorApi(current)).statusCode, 403);
  assert.notEqual((await g.app.inject({ method: 'GET', url: `/admin/api/v1/integrations/${integrationId}`, headers: admin })).json().disabled_at, null);
  const disabledPage = await browser.get(orgPage);
  assert.match(disabledPage.body, /<strong>disabled<\/strong> since/);
  assert.equal((await browser.post(`${orgPage}/integrations/${integrationId}/enable`, { csrf: csrfOf(disabledPage.body) })).statusCode, 303);
  assert.equal((await vendorApi(current)).statusCode, 200);

  // A custom_hosted integration has no partner key: the service's refusal is shown in words.
  const hosted = await g.services.integrations.createCustomHosted(id, (await createVendor(g, 'Hosted Vendor')).vendor_id, { apiKey: 'k' });
  const noKey = await browser.post(`${orgPage}/integrations/${hosted.id}/rotate-partner-key`, { csrf: csrfOf(page.body), overlap_seconds: '0' });
  assert.equal(noKey.statusCode, 400);
  assert.match(noKey.body, /role="alert" id="problem">Only external integrations have partner API keys/);
  // Another organization's integration is not found under this one.
  const other = await enrolled(g, 'Other Vendor');
  assert.equal((await browser.post(rotate.replace(integrationId, other.integration.integration.id), { csrf: csrfOf(page.body) })).statusCode, 404);

  // The OEM token: rotate after confirming (the new one shown once, the old one refused at once), then revoke.
  const session = (oemToken: string) =>
    g.app.inject({ method: 'POST', url: '/api/oem-api/organization/session', payload: { ...credentials(vendor), organizationOemToken: oemToken } });
  assert.equal((await session(org.organizationOemToken)).statusCode, 201);
  const rotateConfirm = await browser.get(`${orgPage}/oem-token/rotate`);
  assert.equal(rotateConfirm.statusCode, 200);
  assert.match(rotateConfirm.body, /The current token stops working at once: Fabrikam Backup&#39;s OEM API calls that carry it/);
  const rotated = await browser.post(`${orgPage}/oem-token/rotate`, { csrf: csrfOf(rotateConfirm.body), confirm: 'yes' });
  assert.equal(rotated.statusCode, 200);
  const newToken = shownOnce(rotated.body, 'oem-token');
  assert.match(newToken, /^ghorg_/);
  assert.equal((await session(org.organizationOemToken)).statusCode, 403);
  assert.equal((await session(newToken)).statusCode, 201);
  assert.equal((await browser.post(`${orgPage}/oem-token/revoke`, { csrf: csrfOf(rotateConfirm.body) })).statusCode, 400, 'revoking needs the confirmation');
  const revokeConfirm = await browser.get(`${orgPage}/oem-token/revoke`);
  assert.match(revokeConfirm.body, /no token replaces it/);
  assert.equal((await browser.post(`${orgPage}/oem-token/revoke`, { csrf: csrfOf(revokeConfirm.body), confirm: 'yes' })).statusCode, 303);
  assert.equal((await session(newToken)).statusCode, 403);
  assert.equal((await g.app.inject({ method: 'GET', url: `/admin/api/v1/organizations/${id}`, headers: admin })).json().oem_token, 'revoked');
  const revokedPage = await browser.get(orgPage);
  assert.match(revokedPage.body, /id="oem-token-status">revoked</);
  assert.match(revokedPage.body, /Issue a new OEM token/);
  // The Vendor API does not use the OEM token: it still works.
  assert.equal((await vendorApi(current)).statusCode, 200);

  const actions = (await g.services.audit.list({ actor: 'admin-token' })).map((e) => e.action);
  for (const action of [
    'integration.partner_key_rotated',
    'integration.disabled',
    'integration.enabled',
    'organization.oem_token_rotated',
    'organization.oem_token_revoked',
  ])
    assert.ok(actions.includes(action), action);
});

test('the organization pages refuse a forged form, a signed-out visitor and an organization member', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const owner = await tenant(g);
  const id = owner.organizationId;
  const integrationId = (await g.services.integrations.createExternal(id, (await g.services.organizations.get(id)).vendor_id)).integration.id;
  const browser = await operator(g);
  const orgPage = `/console/organizations/${id}`;
  const member = new Browser(g);
  assert.equal((await member.login(owner.email, owner.password)).statusCode, 303);
  const before = await snapshot(g);

  const forms: [string, Record<string, string>][] = [
    [`${orgPage}/users`, { email: 'forged@example.com', role: 'owner' }],
    [`${orgPage}/users/${owner.userId}/role`, { role: 'member' }],
    [`${orgPage}/users/${owner.userId}/remove`, { confirm: 'yes' }],
    [`${orgPage}/users/${owner.userId}/password-link`, {}],
    [`${orgPage}/users/${owner.userId}/login-link`, {}],
    [`${orgPage}/integrations/${integrationId}/rotate-partner-key`, { overlap_seconds: '0' }],
    [`${orgPage}/integrations/${integrationId}/disable`, { confirm: 'yes' }],
    [`${orgPage}/oem-token/rotate`, { confirm: 'yes' }],
    [`${orgPage}/oem-token/revoke`, { confirm: 'yes' }],
  ];
  for (const [url, form] of forms) {
    const forged = await browser.post(url, { csrf: 'forged', ...form });
    assert.equal(forged.statusCode, 403, url);
    assert.match(forged.body, /Not allowed/);
  }
  assert.equal(await snapshot(g), before, 'a forged form changes nothing');

  const visitor = new Browser(g);
  const pages = [
    '/console/organizations',
    `/console/organizations?search=${encodeURIComponent(owner.email)}`,
    orgPage,
    `${orgPage}/users/${owner.userId}/remove`,
    `${orgPage}/integrations/${integrationId}/disable`,
    `${orgPage}/oem-token/rotate`,
    `${orgPage}/oem-token/revoke`,
  ];
  for (const who of [member, visitor]) {
    for (const url of pages) {
      const res = await who.get(url);
      assert.equal(res.statusCode, 401, url);
      assert.match(res.body, /Sign in to the console/);
    }
    for (const [url, form] of forms) assert.equal((await who.post(url, { csrf: 'x', ...form })).statusCode, 401, url);
  }
  assert.equal(await snapshot(g), before, 'nor does anyone without a console session');
});

test("an organization's users page by id", async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const { organizationId: id } = await createOrganization(g, vendor);
  for (let i = 0; i < 52; i++) await g.services.users.add(id, { email: `person${i}@example.com`, role: 'member', emailVerified: true });
  const browser = await operator(g);
  const ids = (body: string) => [...body.matchAll(/<tr data-user-id="([0-9a-f]{24})"/g)].map((m) => m[1]);
  const all = (await g.services.users.list(id, { limit: 1000 })).map((u) => u.id);
  assert.equal(all.length, 53);
  const first = await browser.get(`/console/organizations/${id}`);
  assert.deepEqual(ids(first.body), all.slice(0, 50));
  const link = next(first.body)!;
  assert.match(link, /users_after=/);
  const second = await browser.get(link);
  assert.deepEqual(ids(second.body), all.slice(50));
  assert.equal(next(second.body), undefined);
});
