// Operators: vendors through the admin API and the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ADMIN_TOKEN, admin, startGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, enrolled } from './oem-helpers.ts';

const run = promisify(execFile);

test('admin API: vendors', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());

  await t.test('create shows the secrets once; the client gets both vendor scopes', async () => {
    const vendor = await createVendor(g, '  Spaced Name  ');
    assert.equal(vendor.name, 'Spaced Name');
    for (const field of ['vendor_id', 'client_id', 'client_secret', 'vendor_api_key'])
      assert.equal(typeof (vendor as unknown as Record<string, unknown>)[field], 'string', field);
    const client = await g.app.inject({ method: 'GET', url: `/admin/api/v1/clients/${vendor.client_id}`, headers: admin });
    assert.deepEqual(client.json().scopes, ['vendor_manage', 'oem:partner_token']);
    assert.deepEqual(client.json().grant_types, ['client_credentials']);
    assert.equal(client.json().type, 'confidential');
    // Both scopes can be obtained at the token endpoint.
    assert.ok(await accessToken(g, vendor, 'vendor_manage oem:partner_token'));
    const shown = await g.app.inject({ method: 'GET', url: `/admin/api/v1/vendors/${vendor.vendor_id}`, headers: admin });
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().client_secret, undefined);
    assert.equal(shown.json().vendor_api_key, undefined);
    const rows = await g.services.storage.db.selectFrom('vendor_api_keys').selectAll().execute();
    assert.ok(!JSON.stringify(rows).includes(vendor.vendor_api_key), 'stored hashed');
  });

  await t.test('list, disable, enable, 404s and validation', async () => {
    const list = await g.app.inject({ method: 'GET', url: '/admin/api/v1/vendors', headers: admin });
    assert.equal(list.json().vendors.length, 1);
    const id = list.json().vendors[0].vendor_id;
    const disabled = await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${id}/disable`, headers: admin });
    assert.equal(disabled.json().status, 'disabled');
    const enabled = await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${id}/enable`, headers: admin });
    assert.equal(enabled.json().status, 'active');
    assert.equal((await g.app.inject({ method: 'GET', url: '/admin/api/v1/vendors/nope', headers: admin })).statusCode, 404);
    assert.equal((await g.app.inject({ method: 'POST', url: '/admin/api/v1/vendors/nope/rotate-api-key', headers: admin })).statusCode, 404);
    assert.equal((await g.app.inject({ method: 'POST', url: '/admin/api/v1/vendors', headers: admin, payload: { name: '   ' } })).statusCode, 400);
    assert.equal((await g.app.inject({ method: 'POST', url: '/admin/api/v1/vendors', headers: admin, payload: { name: 'x', extra: 1 } })).statusCode, 400);
    assert.equal(
      (await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${id}/rotate-api-key`, headers: admin, payload: { overlap_seconds: -1 } })).statusCode,
      400,
    );
    assert.equal((await g.app.inject({ method: 'GET', url: '/admin/api/v1/vendors' })).statusCode, 401);
  });

  await t.test("a vendor's OAuth client cannot be deleted from under it", async () => {
    const vendor = await createVendor(g, 'Keep');
    const res = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/clients/${vendor.client_id}`, headers: admin });
    assert.equal(res.statusCode, 409, res.body);
  });

  await t.test('integrations: get, rotate the partner key of an external one only', async () => {
    const { integration, vendor, org } = await enrolled(g, 'Integrator');
    const shown = await g.app.inject({ method: 'GET', url: `/admin/api/v1/integrations/${integration.integration.id}`, headers: admin });
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().partner_keys.length, 1);
    assert.equal(shown.json().has_credentials, false);
    const listed = await g.app.inject({ method: 'GET', url: `/admin/api/v1/organizations/${org.organizationId}/integrations`, headers: admin });
    assert.equal(listed.json().integrations.length, 1);
    const custom = await g.app.inject({
      method: 'POST',
      url: '/api/oem-api/integration',
      payload: {
        clientId: vendor.client_id,
        clientSecret: vendor.client_secret,
        organizationOemToken: org.organizationOemToken,
        data: { vendorId: vendor.vendor_id, integrationCredentials: { a: 'b' } },
      },
    });
    const refused = await g.app.inject({
      method: 'POST',
      url: `/admin/api/v1/integrations/${custom.json().integration.id}/rotate-partner-key`,
      headers: admin,
    });
    assert.equal(refused.statusCode, 400);
    const audit = (await g.services.audit.list({ limit: 1000 })).map((e) => e.action);
    for (const a of ['vendor.created', 'vendor.disabled', 'vendor.enabled']) assert.ok(audit.includes(a), a);
  });
});

test('CLI: gatehouse vendor create --name NAME --json', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  const address = g.app.server.address() as { port: number };
  const env = { ...process.env, GATEHOUSE_URL: `http://127.0.0.1:${address.port}`, GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN };
  const cli = (...args: string[]) => run(process.execPath, ['src/main.ts', ...args], { env });

  const created = JSON.parse((await cli('vendor', 'create', '--name', 'CLI Vendor', '--json')).stdout);
  for (const field of ['vendor_id', 'client_id', 'client_secret', 'vendor_api_key']) assert.equal(typeof created[field], 'string', field);
  // The printed credentials work against the OEM API.
  await createOrganization(g, created);

  const list = await cli('vendor', 'list');
  assert.match(list.stdout, /CLI Vendor/);
  const rotated = JSON.parse((await cli('vendor', 'rotate-key', created.vendor_id, '--overlap', '0', '--json')).stdout);
  assert.notEqual(rotated.vendor_api_key, created.vendor_api_key);
  assert.equal(rotated.api_keys.length, 1);
  const disabled = await cli('vendor', 'disable', created.vendor_id);
  assert.match(disabled.stdout, /status:\s+disabled/);
  await assert.rejects(cli('vendor', 'get'), /missing required argument 'id'/);
});
