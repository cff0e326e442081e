// The console's organization pages without a browser: the list (keyset pages by id, one search
// by name prefix, organization id, vendor id or a user's email), and each organization's page
// with its users, integrations and OEM token, every action checked against what the admin and
// OEM APIs see afterwards. Bad input answers a 4xx page in words with the field marked; a forged
// form, a signed-out visitor and an organization's own member are refused. In Chromium:
// console-organizations.browser.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_TOKEN, admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, csrfOf } from './interactive-helpers.ts';
import { createVendor } from './oem-helpers.ts';

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
  assert.match(first.body, new RegExp(`href="/console/vendors/${north.vendor_id}"`));
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
