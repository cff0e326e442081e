// Reproduces: an organization-bound token of an MSP app (a client with the implicit grant) could
// manage webhooks whatever scope the user consented to; a scope=read token got 201 on
// POST /api/msp/v1/webhooks. The MSP API now requires scope webhooks:manage.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, PASSWORD, authorize } from './interactive-helpers.ts';
import { createOrganization, createVendor, organizationData } from './oem-helpers.ts';

const REDIRECT = 'https://msp-app.example/cb';
let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

test('an implicit-grant token the user consented to for "read" only cannot create, list or delete webhooks (403 insufficient_scope)', async () => {
  const vendor = await createVendor(g);
  const data = organizationData();
  const { organizationId } = await createOrganization(g, vendor, data);
  const owner = (await g.services.organizations.users(organizationId)).find((u) => u.role === 'owner')!;
  await g.services.accounts.setPassword(owner.id, PASSWORD);
  const app = await createClient(g, {
    name: 'MSP app',
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
    scopes: ['read', 'webhooks:manage'],
    redirect_uris: [REDIRECT],
    token_format: 'opaque',
  });
  const browser = new Browser(g);
  assert.equal((await browser.login(String(data.email), PASSWORD)).statusCode, 303);
  const tokenFor = async (scope: string) => {
    const url = await authorize(browser, { response_type: 'token', client_id: app.client_id, redirect_uri: REDIRECT, scope, state: 's' });
    const fragment = new URLSearchParams(url.hash.slice(1));
    assert.equal(fragment.get('scope'), scope);
    return { authorization: `Bearer ${fragment.get('access_token')}` };
  };
  const body = { webhook_url: 'https://hooks.example.com/in', eventTypes: ['user.added'] };

  const readOnly = await tokenFor('read');
  const created = await g.app.inject({ method: 'POST', url: '/api/msp/v1/webhooks', headers: readOnly, payload: body });
  assert.equal(created.statusCode, 403, created.body);
  assert.equal(created.json().error.code, 'insufficient_scope');
  assert.match(String(created.headers['www-authenticate']), /error="insufficient_scope", scope="webhooks:manage"/);
  assert.equal((await g.app.inject({ method: 'GET', url: '/api/msp/v1/webhooks', headers: readOnly })).statusCode, 403);
  assert.equal(
    await g.services.storage.db.selectFrom('webhook_subscriptions').select('id').where('organization_id', '=', organizationId).executeTakeFirst(),
    undefined,
    'nothing was created',
  );

  // The same app, with the scope consented to, manages them.
  const manage = await tokenFor('webhooks:manage');
  const ok = await g.app.inject({ method: 'POST', url: '/api/msp/v1/webhooks', headers: manage, payload: body });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.equal((await g.app.inject({ method: 'DELETE', url: `/api/msp/v1/webhooks/${ok.json().webhook_id}`, headers: readOnly })).statusCode, 403);
});
