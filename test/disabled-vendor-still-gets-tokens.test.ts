// Reproduces: a disabled vendor still got access tokens at /oauth/token (every use was refused
// afterwards), and its organizations' login links and browser sessions kept working.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser } from './interactive-helpers.ts';
import { createOrganization, createVendor, credentials } from './oem-helpers.ts';
import { post } from './oauth-helpers.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

const setDisabled = (id: string, disabled: boolean) =>
  g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${id}/${disabled ? 'disable' : 'enable'}`, headers: admin });

test('a disabled vendor gets no token at /oauth/token (400 unauthorized_client, audited), and gets one again once enabled', async () => {
  const vendor = await createVendor(g);
  const ask = () =>
    g.app.inject(
      post('/oauth/token', { grant_type: 'client_credentials', client_id: vendor.client_id, client_secret: vendor.client_secret, scope: 'vendor_manage' }),
    );
  assert.equal((await ask()).statusCode, 200);
  assert.equal((await setDisabled(vendor.vendor_id, true)).statusCode, 200);
  const refused = await ask();
  assert.equal(refused.statusCode, 400, refused.body);
  assert.equal(refused.json().error, 'unauthorized_client');
  assert.match(refused.json().error_description, /disabled vendor/);
  assert.equal(refused.json().access_token, undefined);
  await g.services.audit.flush();
  const audit = await g.services.storage.db
    .selectFrom('audit_events')
    .selectAll()
    .where('action', '=', 'token.refused')
    .where('client_id', '=', vendor.client_id)
    .execute();
  assert.ok(audit.length >= 1, 'the refusal is audited');
  await setDisabled(vendor.vendor_id, false);
  assert.equal((await ask()).statusCode, 200);
});

test("a disabled vendor's login links stop working (403, the link stays unused) and its organizations' sessions end", async () => {
  const vendor = await createVendor(g, 'Suspended Vendor');
  const org = await createOrganization(g, vendor);
  const session = async () => {
    const res = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/organization/session',
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken },
    });
    assert.equal(res.statusCode, 201, res.body);
    return new URL(res.json().redirectUrl).pathname;
  };
  const signedIn = new Browser(g);
  assert.equal((await signedIn.get(await session())).statusCode, 303);
  assert.equal((await signedIn.get('/dashboard')).statusCode, 200, 'the session works');
  const unused = await session();

  await setDisabled(vendor.vendor_id, true);
  const dashboard = await signedIn.get('/dashboard');
  assert.notEqual(dashboard.statusCode, 200, 'the session no longer signs the user in');
  const browser = new Browser(g);
  const refused = await browser.get(unused);
  assert.equal(refused.statusCode, 403, refused.body);
  assert.match(refused.body, /suspended/);
  assert.equal(browser.cookies.has('gh_session'), false, 'no session was started');

  // Enabled again: the old session works again, and the link (never spent) signs in.
  await setDisabled(vendor.vendor_id, false);
  assert.equal((await signedIn.get('/dashboard')).statusCode, 200);
  assert.equal((await browser.get(unused)).statusCode, 303);
});
