// OEM API integrations: seed 001's external integration, seed 000's custom_hosted shape and the
// credential update, and the two listings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, credentials, type TestVendor } from './oem-helpers.ts';

const URL = '/api/oem-api/integration';

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

async function external(g: TestGatehouse, token: string, organizationId: string, vendorId: string) {
  return g.app.inject({ method: 'POST', url: URL, headers: bearer(token), payload: { integrationType: 'external', organizationId, vendorId } });
}

function customBody(v: TestVendor, organizationOemToken: string, integrationCredentials: Record<string, unknown>) {
  return { ...credentials(v), organizationOemToken, data: { vendorId: v.vendor_id, integrationCredentials } };
}

test('integrations through the OEM API', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const other = await createVendor(g, 'Other Vendor');
  const org = await createOrganization(g, vendor);
  const otherOrg = await createOrganization(g, other);
  const partnerToken = await accessToken(g, vendor, 'oem:partner_token');

  await t.test('seed 001: an external integration and its partner API key', async () => {
    const res = await g.app.inject({
      method: 'POST',
      url: URL,
      headers: bearer(partnerToken),
      payload: { integrationType: 'external', organizationId: org.organizationId, vendorId: vendor.vendor_id },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['integration', 'partnerApiKey', 'status', 'message']);
    assert.deepEqual(Object.keys(body.integration), ['id', 'vendorId', 'integrationKind']);
    assert.equal(body.integration.vendorId, vendor.vendor_id);
    assert.equal(body.integration.integrationKind, 'external');
    assert.equal(body.status, 201);
    assert.equal(body.message, 'Successfully created an integration for an organization');
    assert.match(body.partnerApiKey, /^ghp_/);
    const keys = await g.services.storage.db.selectFrom('partner_api_keys').selectAll().execute();
    assert.ok(!JSON.stringify(keys).includes(body.partnerApiKey), 'stored hashed');
  });

  await t.test('a second external integration for the same pair is 409', async () => {
    const res = await external(g, partnerToken, org.organizationId, vendor.vendor_id);
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error, 'CONFLICT');
  });

  await t.test('INVALID_SCOPE: a token without oem:partner_token', async () => {
    const manage = await accessToken(g, vendor, 'vendor_manage');
    const res = await external(g, manage, org.organizationId, vendor.vendor_id);
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().status, 403);
    assert.equal(res.json().error, 'INVALID_SCOPE');
    assert.match(res.json().message, /oem:partner_token/);
  });

  await t.test('INVALID_CLIENT: no token, or a token that is not valid', async () => {
    const none = await g.app.inject({
      method: 'POST',
      url: URL,
      payload: { integrationType: 'external', organizationId: org.organizationId, vendorId: vendor.vendor_id },
    });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error, 'INVALID_CLIENT');
    const forged = await external(g, `${partnerToken.slice(0, -4)}AAAA`, org.organizationId, vendor.vendor_id);
    assert.equal(forged.statusCode, 401);
    assert.equal(forged.json().error, 'INVALID_CLIENT');
  });

  await t.test("VENDOR_NOT_AUTHORIZED: another vendor's organization, or another vendorId", async () => {
    const foreignOrg = await external(g, partnerToken, otherOrg.organizationId, vendor.vendor_id);
    assert.equal(foreignOrg.statusCode, 403);
    assert.equal(foreignOrg.json().error, 'VENDOR_NOT_AUTHORIZED');
    const foreignVendor = await external(g, partnerToken, org.organizationId, other.vendor_id);
    assert.equal(foreignVendor.statusCode, 403);
    assert.equal(foreignVendor.json().error, 'VENDOR_NOT_AUTHORIZED');
  });

  await t.test('NOT_FOUND: an organization that does not exist', async () => {
    const res = await external(g, partnerToken, '000000000000000000000000', vendor.vendor_id);
    assert.equal(res.statusCode, 404);
    assert.deepEqual(Object.keys(res.json()), ['status', 'error', 'message']);
    assert.equal(res.json().error, 'NOT_FOUND');
  });

  await t.test('400 naming the field: missing vendorId, credentials mixed into the external shape, a wrong integrationType', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ integrationType: 'external', organizationId: org.organizationId }, /body\/vendorId is required/],
      [{ integrationType: 'external', organizationId: org.organizationId, vendorId: vendor.vendor_id, clientId: 'x' }, /body\/clientId is not allowed/],
      [{ integrationType: 'internal', organizationId: org.organizationId, vendorId: vendor.vendor_id }, /body\/integrationType must be one of: external/],
      [{ organizationId: org.organizationId, vendorId: vendor.vendor_id }, /body\/organizationOemToken is required/],
    ];
    for (const [payload, message] of cases) {
      const res = await g.app.inject({ method: 'POST', url: URL, headers: bearer(partnerToken), payload });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, 'BAD_REQUEST');
      assert.match(res.json().message, message);
    }
  });

  await t.test('seed 000: a custom_hosted integration with sealed credentials', async () => {
    const secret = { apiUrl: 'https://psa.example', apiKey: 'very-secret-value' };
    const res = await g.app.inject({ method: 'POST', url: URL, payload: customBody(vendor, org.organizationOemToken, secret) });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(Object.keys(res.json()), ['integration', 'status', 'message']);
    assert.equal(res.json().integration.integrationKind, 'custom_hosted');
    assert.equal(res.json().message, 'Successfully created an integration for an organization');
    const row = await g.services.storage.db.selectFrom('integrations').selectAll().where('id', '=', res.json().integration.id).executeTakeFirstOrThrow();
    assert.ok(row.credentials!.startsWith('v1.'));
    assert.ok(!row.credentials!.includes('very-secret-value'));
    assert.deepEqual(g.services.integrations.credentials(row), secret);
  });

  await t.test('seed 000: PATCH updates the credentials', async () => {
    const res = await g.app.inject({ method: 'PATCH', url: URL, payload: customBody(vendor, org.organizationOemToken, { apiKey: 'rotated' }) });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['integration', 'status', 'message']);
    assert.deepEqual(Object.keys(body.integration), ['id', 'vendorId']);
    assert.equal(body.integration.vendorId, vendor.vendor_id);
    assert.equal(body.status, 200);
    assert.equal(body.message, "Successfully updated a user's integration credentials");
    const row = await g.services.storage.db.selectFrom('integrations').selectAll().where('id', '=', body.integration.id).executeTakeFirstOrThrow();
    assert.deepEqual(g.services.integrations.credentials(row), { apiKey: 'rotated' });
  });

  await t.test('PATCH errors: NOT_FOUND without a custom_hosted integration, 403 for a bad organization token or vendorId, 401 bad client', async () => {
    const fresh = await createOrganization(g, vendor);
    const missing = await g.app.inject({ method: 'PATCH', url: URL, payload: customBody(vendor, fresh.organizationOemToken, { a: 1 }) });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'NOT_FOUND');
    const badToken = await g.app.inject({ method: 'PATCH', url: URL, payload: customBody(vendor, 'ghorg_nope', { a: 1 }) });
    assert.equal(badToken.statusCode, 403);
    const wrongVendor = await g.app.inject({
      method: 'PATCH',
      url: URL,
      payload: { ...customBody(vendor, org.organizationOemToken, { a: 1 }), data: { vendorId: other.vendor_id, integrationCredentials: {} } },
    });
    assert.equal(wrongVendor.statusCode, 403);
    assert.equal(wrongVendor.json().error, 'VENDOR_NOT_AUTHORIZED');
    const badClient = await g.app.inject({ method: 'PATCH', url: URL, payload: { ...customBody(vendor, org.organizationOemToken, {}), clientSecret: 'x' } });
    assert.equal(badClient.statusCode, 401);
    assert.equal(badClient.json().error, 'INVALID_CLIENT');
    const noCredentials = await g.app.inject({
      method: 'PATCH',
      url: URL,
      payload: { ...credentials(vendor), organizationOemToken: org.organizationOemToken, data: { vendorId: vendor.vendor_id } },
    });
    assert.equal(noCredentials.statusCode, 400);
    assert.match(noCredentials.json().message, /body\/data\/integrationCredentials is required/);
  });

  await t.test("listing an organization's integrations", async () => {
    const token = await accessToken(g, vendor, 'vendor_manage');
    const res = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${org.organizationId}/integrations`, headers: bearer(token) });
    assert.equal(res.statusCode, 200, res.body);
    const kinds = res
      .json()
      .integrations.map((i: { integrationKind: string }) => i.integrationKind)
      .sort();
    assert.deepEqual(kinds, ['custom_hosted', 'external']);
    assert.ok(!res.body.includes('credentials'));
    const foreign = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${otherOrg.organizationId}/integrations`, headers: bearer(token) });
    assert.equal(foreign.statusCode, 403);
    const none = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${org.organizationId}/integrations` });
    assert.equal(none.statusCode, 401);
    const partner = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${org.organizationId}/integrations`, headers: bearer(partnerToken) });
    assert.equal(partner.statusCode, 403);
    assert.equal(partner.json().error, 'INVALID_SCOPE');
  });

  await t.test('listing vendors with their integration status for an organization', async () => {
    const token = await accessToken(g, vendor, 'vendor_manage');
    const res = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${org.organizationId}/vendors`, headers: bearer(token) });
    assert.equal(res.statusCode, 200, res.body);
    const byId = Object.fromEntries(res.json().vendors.map((v: { vendorId: string }) => [v.vendorId, v]));
    assert.equal(byId[vendor.vendor_id].integrationStatus, 'active'); // the custom_hosted one
    assert.equal(byId[vendor.vendor_id].integrations.length, 2);
    assert.equal(byId[other.vendor_id].integrationStatus, 'not_integrated');
    await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${other.vendor_id}/disable`, headers: admin });
    const after = await g.app.inject({ method: 'GET', url: `/api/oem-api/organization/${org.organizationId}/vendors`, headers: bearer(token) });
    assert.ok(!after.json().vendors.some((v: { vendorId: string }) => v.vendorId === other.vendor_id), 'disabled vendors are not listed');
  });

  await t.test('events and audit', async () => {
    const types = (await g.services.storage.db.selectFrom('outbox_events').select('type').execute()).map((e) => e.type);
    assert.equal(types.filter((x) => x === 'integration.created').length, 2);
    assert.ok(types.includes('integration.credentials_updated'));
    const actions = (await g.services.audit.list({ limit: 1000 })).map((e) => e.action);
    for (const a of ['integration.created', 'integration.credentials_updated', 'integration.listed', 'vendor.listed', 'oem.refused'])
      assert.ok(actions.includes(a), a);
  });
});
