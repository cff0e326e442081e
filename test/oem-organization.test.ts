// OEM API, seed 000 step 1: POST /api/oem-api/organization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, credentials, organizationData } from './oem-helpers.ts';

const URL = '/api/oem-api/organization';

async function post(g: TestGatehouse, payload: unknown, headers: Record<string, string> = {}) {
  return g.app.inject({ method: 'POST', url: URL, payload: payload as object, headers });
}

test('organization creation: seed 000 bodies and statuses', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);

  await t.test('the seed body, verbatim but for the address the document redacts, gives the seed response plus organizationId', async () => {
    const res = await post(g, {
      clientId: vendor.client_id,
      clientSecret: vendor.client_secret,
      grantType: 'client_credentials',
      scope: 'vendor_manage',
      data: {
        name: 'Wisozk Inc',
        email: 'ansley.parisian@wisozk.example',
        firstName: 'Ansley',
        lastName: 'Parisian',
        vendorUserId: '1234',
        vendorOrganizationId: '1234',
      },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['status', 'message', 'organizationOemToken', 'organizationId']);
    assert.equal(body.status, 201);
    assert.equal(body.message, 'Successfully created organization');
    assert.match(body.organizationOemToken, /^ghorg_[A-Za-z0-9_-]{40,}$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    // Stored hashed: the token itself is nowhere in the table.
    const row = await g.services.storage.db.selectFrom('organizations').selectAll().where('id', '=', body.organizationId).executeTakeFirstOrThrow();
    assert.notEqual(row.oem_token_hash, body.organizationOemToken);
    assert.ok(!JSON.stringify(row).includes(body.organizationOemToken));
    const users = await g.services.organizations.users(body.organizationId);
    assert.equal(users.length, 1);
    assert.equal(users[0].role, 'owner');
    assert.equal(users[0].vendor_user_id, '1234');
  });

  await t.test('409 for a repeated vendorOrganizationId', async () => {
    const res = await post(g, { ...credentials(vendor), data: organizationData({ vendorOrganizationId: '1234' }) });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(Object.keys(res.json()), ['status', 'error', 'message']);
    assert.equal(res.json().status, 409);
    assert.equal(res.json().error, 'CONFLICT');
    assert.match(res.json().message, /vendorOrganizationId/);
  });

  await t.test("409 for an owner email already used in the vendor's organizations (any case)", async () => {
    await createOrganization(g, vendor, organizationData({ email: 'owner@example.com' }));
    const res = await post(g, { ...credentials(vendor), data: organizationData({ email: 'Owner@Example.com' }) });
    assert.equal(res.statusCode, 409);
    assert.match(res.json().message, /email/);
  });

  await t.test('another vendor may reuse the same vendorOrganizationId and email', async () => {
    const other = await createVendor(g, 'Other Vendor');
    const res = await post(g, { ...credentials(other), data: organizationData({ vendorOrganizationId: '1234', email: 'owner@example.com' }) });
    assert.equal(res.statusCode, 201, res.body);
  });

  await t.test('401 INVALID_CLIENT for a wrong secret, an unknown client or missing credentials', async () => {
    for (const payload of [
      { ...credentials(vendor), clientSecret: 'wrong', data: organizationData() },
      { ...credentials(vendor), clientId: 'nobody', data: organizationData() },
      { grantType: 'client_credentials', scope: 'vendor_manage', data: organizationData() },
      { clientId: vendor.client_id, data: organizationData() },
    ]) {
      const res = await post(g, payload);
      assert.equal(res.statusCode, 401, res.body);
      assert.deepEqual(res.json(), { status: 401, error: 'INVALID_CLIENT', message: res.json().message });
    }
  });

  await t.test('400 naming the field for malformed bodies', async () => {
    const cases: [unknown, RegExp][] = [
      [{ ...credentials(vendor) }, /body\/data is required/],
      [{ ...credentials(vendor), data: { ...organizationData(), email: undefined } }, /body\/data\/email is required/],
      [{ ...credentials(vendor), data: { ...organizationData(), name: '' } }, /body\/data\/name/],
      [{ ...credentials(vendor), data: { ...organizationData(), name: '   ' } }, /body\/data\/name/],
      [{ ...credentials(vendor), data: { ...organizationData(), plan: 'gold' } }, /body\/data\/plan is not an allowed field/],
      [{ ...credentials(vendor), grantType: 'password', data: organizationData() }, /body\/grantType must be one of: client_credentials/],
      [{ ...credentials(vendor), clientId: 42, data: organizationData() }, /body\/clientId must be string/],
      [{ ...credentials(vendor), extra: true, data: organizationData() }, /body\/extra is not an allowed field/],
    ];
    for (const [payload, message] of cases) {
      const res = await post(g, payload);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().status, 400);
      assert.equal(res.json().error, 'BAD_REQUEST');
      assert.match(res.json().message, /^Malformed request body: /);
      assert.match(res.json().message, message);
    }
    const notJson = await g.app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'application/json' }, payload: '{"clientId":' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error, 'BAD_REQUEST');
  });

  await t.test('403 INVALID_SCOPE when vendor_manage is not requested', async () => {
    const res = await post(g, { ...credentials(vendor), scope: 'oem:partner_token', data: organizationData() });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, 'INVALID_SCOPE');
  });

  await t.test('a Bearer access token with vendor_manage works; one without it is 403 INVALID_SCOPE', async () => {
    const good = await accessToken(g, vendor, 'vendor_manage');
    const res = await post(g, { data: organizationData() }, { authorization: `Bearer ${good}` });
    assert.equal(res.statusCode, 201, res.body);
    const partnerOnly = await accessToken(g, vendor, 'oem:partner_token');
    const refused = await post(g, { data: organizationData() }, { authorization: `Bearer ${partnerOnly}` });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error, 'INVALID_SCOPE');
    const bad = await post(g, { data: organizationData() }, { authorization: 'Bearer not-a-token' });
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.json().error, 'INVALID_CLIENT');
    const both = await post(g, { ...credentials(vendor), data: organizationData() }, { authorization: `Bearer ${good}` });
    assert.equal(both.statusCode, 400);
  });

  await t.test("403 VENDOR_NOT_AUTHORIZED for a client that is not a vendor's, or a disabled vendor", async () => {
    const plain = await createClient(g, { scopes: ['vendor_manage'] });
    const res = await post(g, {
      clientId: plain.client_id,
      clientSecret: plain.client_secret,
      grantType: 'client_credentials',
      scope: 'vendor_manage',
      data: organizationData(),
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, 'VENDOR_NOT_AUTHORIZED');
    const doomed = await createVendor(g, 'Doomed');
    await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${doomed.vendor_id}/disable`, headers: admin });
    const disabled = await post(g, { ...credentials(doomed), data: organizationData() });
    assert.equal(disabled.statusCode, 403);
    assert.equal(disabled.json().error, 'VENDOR_NOT_AUTHORIZED');
  });

  await t.test('every outcome is audited', async () => {
    const events = await g.services.audit.list({ limit: 1000 });
    assert.ok(events.some((e) => e.action === 'organization.created' && e.actor === vendor.vendor_id));
    assert.ok(events.some((e) => e.action === 'oem.refused' && (e.details as { error?: string }).error === 'CONFLICT'));
    assert.ok(events.some((e) => e.action === 'oem.refused' && (e.details as { error?: string }).error === 'INVALID_CLIENT'));
    const events2 = await g.services.storage.db.selectFrom('outbox_events').select('type').execute();
    assert.ok(events2.some((e) => e.type === 'organization.created'));
    assert.ok(events2.some((e) => e.type === 'user.added'));
  });
});

test('ten parallel creations of one organization: one 201, nine 409, no 5xx', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const data = organizationData();
  const results = await Promise.all(Array.from({ length: 10 }, () => post(g, { ...credentials(vendor), data })));
  const statuses = results.map((r) => r.statusCode).sort((a, b) => a - b);
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409], results.map((r) => r.body).join('\n'));
  const rows = await g.services.storage.db.selectFrom('organizations').select('id').execute();
  assert.equal(rows.length, 1);
  const users = await g.services.storage.db.selectFrom('users').select('id').execute();
  assert.equal(users.length, 1);
});

test('admin API: rotate and revoke the organization OEM token', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);
  const session = (token: string) =>
    g.app.inject({ method: 'POST', url: '/api/oem-api/organization/session', payload: { ...credentials(vendor), organizationOemToken: token } });
  assert.equal((await session(org.organizationOemToken)).statusCode, 201);

  const rotated = await g.app.inject({ method: 'POST', url: `/admin/api/v1/organizations/${org.organizationId}/oem-token/rotate`, headers: admin });
  assert.equal(rotated.statusCode, 200, rotated.body);
  const fresh = rotated.json().organization_oem_token;
  assert.equal((await session(org.organizationOemToken)).statusCode, 403);
  assert.equal((await session(fresh)).statusCode, 201);

  const revoked = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/organizations/${org.organizationId}/oem-token`, headers: admin });
  assert.equal(revoked.statusCode, 204);
  assert.equal((await session(fresh)).statusCode, 403);

  const shown = await g.app.inject({ method: 'GET', url: `/admin/api/v1/organizations/${org.organizationId}`, headers: admin });
  assert.equal(shown.json().oem_token, 'revoked');
  assert.equal(shown.json().users.length, 1);
  const list = await g.app.inject({ method: 'GET', url: `/admin/api/v1/organizations?vendor_id=${vendor.vendor_id}`, headers: admin });
  assert.equal(list.json().organizations.length, 1);
  const missing = await g.app.inject({ method: 'POST', url: '/admin/api/v1/organizations/nope/oem-token/rotate', headers: admin });
  assert.equal(missing.statusCode, 404);
});
