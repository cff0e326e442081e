// The SDK against a real Gatehouse on a real port: every OEM and Vendor API call of seeds 000 and
// 001, with the typed errors the server's codes become.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseClient, GatehouseError } from '../packages/client/src/index.ts';
import { freePort, startGatehouse } from './helpers.ts';
import { createVendor, organizationData } from './oem-helpers.ts';

async function setup(t: import('node:test').TestContext) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: baseUrl });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });
  const vendor = await createVendor(g, 'SDK Vendor');
  const client = new GatehouseClient({
    baseUrl,
    clientId: vendor.client_id,
    clientSecret: vendor.client_secret,
    vendorId: vendor.vendor_id,
    vendorApiKey: vendor.vendor_api_key,
  });
  return { baseUrl, vendor, client, gatehouse: g };
}

test('the seed 000 and 001 flow through the SDK', async (t) => {
  const { baseUrl, vendor, client } = await setup(t);
  const data = organizationData();
  const organization = await client.createOrganization(data);
  assert.equal(organization.status, 201);
  assert.equal(organization.message, 'Successfully created organization');
  assert.ok(organization.organizationOemToken && organization.organizationId);

  const session = await client.createSession({ organizationOemToken: organization.organizationOemToken });
  assert.equal(session.message, 'Success: session created');
  assert.ok(session.redirectUrl.startsWith(baseUrl + '/'), session.redirectUrl);

  const user = await client.createUser({
    organizationOemToken: organization.organizationOemToken,
    data: { email: 'second.person@example.com', vendorUserId: 'sdk-second' },
  });
  assert.equal(user.message, 'Successfully created user');
  const second = await client.createSession({ organizationOemToken: organization.organizationOemToken, vendorUserId: 'sdk-second' });
  assert.ok(second.redirectUrl.startsWith(baseUrl + '/'), second.redirectUrl);

  const integration = await client.createIntegration({ organizationId: organization.organizationId });
  assert.deepEqual(integration.integration.vendorId, vendor.vendor_id);
  assert.equal(integration.integration.integrationKind, 'external');
  assert.equal(integration.message, 'Successfully created an integration for an organization');

  const api = client.vendorApi(integration.partnerApiKey);
  const reached = await api.getOrganization();
  assert.equal(reached.organization.id, organization.organizationId);
  assert.equal(reached.organization.name, data.name);
  assert.equal((await api.createAccount({ vendorAccountId: 'acct-1', name: 'Head office', externalId: 'x-1' })).status, 201);
  assert.equal((await api.createAccount({ vendorAccountId: 'acct-1', name: 'Head office (renamed)' })).status, 200);
  assert.deepEqual(
    (await api.listAccounts()).accounts.map((a) => a.name),
    ['Head office (renamed)'],
  );
  await api.createService({ vendorServiceId: 'svc-1', name: 'Backup', vendorAccountId: 'acct-1' });
  const services = await api.listServices({ limit: 1 });
  assert.equal(services.services[0].vendorServiceId, 'svc-1');
  assert.equal(services.nextCursor, null);
  assert.equal((await api.setStatus('active')).integration.status, 'active');

  const vendors = await client.listVendors(organization.organizationId);
  assert.equal(vendors.vendors.find((v) => v.vendorId === vendor.vendor_id)?.integrationStatus, 'active');
  const integrations = await client.listIntegrations(organization.organizationId);
  assert.deepEqual(
    integrations.integrations.map((i) => [i.id, i.status]),
    [[integration.integration.id, 'active']],
  );
});

test('custom_hosted integrations: create, then update the credentials', async (t) => {
  const { vendor, client } = await setup(t);
  const { organizationOemToken } = await client.createOrganization(organizationData());
  const created = await client.createCustomIntegration({ organizationOemToken, integrationCredentials: { apiKey: 'one' } });
  assert.equal(created.integration.integrationKind, 'custom_hosted');
  const updated = await client.updateIntegrationCredentials({ organizationOemToken, integrationCredentials: { apiKey: 'two' } });
  assert.deepEqual(updated, {
    integration: { id: created.integration.id, vendorId: vendor.vendor_id },
    status: 200,
    message: "Successfully updated a user's integration credentials",
  });
});

test('server errors arrive as typed errors with the seed codes', async (t) => {
  const { baseUrl, client, gatehouse } = await setup(t);
  const data = organizationData();
  await client.createOrganization(data);
  await assert.rejects(client.createOrganization(data), (e: unknown) => e instanceof GatehouseError && e.status === 409 && e.attempts === 1);

  const stranger = new GatehouseClient({ baseUrl, clientId: 'nobody', clientSecret: 'wrong' });
  await assert.rejects(
    stranger.createOrganization(organizationData()),
    (e: unknown) => e instanceof GatehouseError && e.status === 401 && e.code === 'INVALID_CLIENT',
  );
  await assert.rejects(
    stranger.requestToken('oem:partner_token'),
    (e: unknown) => e instanceof GatehouseError && e.status === 401 && e.code === 'invalid_client',
  );
  await assert.rejects(client.createSession({ organizationOemToken: 'not-a-token' }), (e: unknown) => e instanceof GatehouseError && e.status === 403);
  await assert.rejects(
    client.vendorApi('not-a-partner-key').getOrganization(),
    (e: unknown) => e instanceof GatehouseError && e.status === 401 && e.code === 'INVALID_MSPC_TOKEN',
  );
  // Keys that both exist but belong to different vendors.
  const { organizationId } = await client.createOrganization(organizationData());
  const { partnerApiKey } = await client.createIntegration({ organizationId });
  const other = await createVendor(gatehouse, 'Another Vendor');
  const mixed = new GatehouseClient({ baseUrl, clientId: other.client_id, clientSecret: other.client_secret, vendorApiKey: other.vendor_api_key });
  await assert.rejects(
    mixed.vendorApi(partnerApiKey).getOrganization(),
    (e: unknown) => e instanceof GatehouseError && e.status === 403 && e.code === 'VENDOR_NOT_AUTHORIZED',
  );
});
