// The Vendor API (seed 001): MSPC_TOKEN authentication, its errors, the resources, rate limits,
// key rotation with overlap, the key cache and batched last-use tracking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { createExternalIntegration, createOrganization, createVendor, enrolled, mspcToken } from './oem-helpers.ts';

const BASE = '/api/vendor-api';

function get(g: TestGatehouse, path: string, headers: Record<string, string>) {
  return g.app.inject({ method: 'GET', url: `${BASE}${path}`, headers });
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

test('Vendor API: authentication and resources', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { vendor, org, integration, token } = await enrolled(g);

  await t.test('GET organization with the MSPC_TOKEN as a Bearer token or in an MSPC-TOKEN header', async () => {
    for (const headers of [auth(token), { 'mspc-token': token }]) {
      const res = await get(g, '/organization', headers);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        status: 200,
        organization: { id: org.organizationId, name: 'Wisozk Inc', vendorOrganizationId: res.json().organization.vendorOrganizationId },
        integration: { id: integration.integration.id, vendorId: vendor.vendor_id, integrationKind: 'external', status: 'pending' },
      });
    }
  });

  await t.test('401 INVALID_MSPC_TOKEN for malformed tokens', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const cases: Record<string, string>[] = [
      {},
      { authorization: 'Bearer' },
      { authorization: 'Basic abc' },
      { authorization: `Bearer ${token}`, 'mspc-token': token },
      { authorization: 'Bearer not*base64!' },
      { authorization: `Bearer ${b64('no-colon-here')}` },
      { authorization: `Bearer ${b64(':partner-only')}` },
      { authorization: `Bearer ${b64('vendor-only:')}` },
      { authorization: `Bearer ${b64(':')}` },
      { 'mspc-token': 'a' },
      { authorization: `Bearer ${b64('ghv_unknown:ghp_unknown')}` },
      { authorization: `Bearer ${b64(`${vendor.vendor_api_key}:ghp_unknown`)}` },
    ];
    for (const headers of cases) {
      const res = await get(g, '/organization', headers);
      assert.equal(res.statusCode, 401, `${JSON.stringify(headers)}: ${res.body}`);
      assert.deepEqual(Object.keys(res.json()), ['status', 'error', 'message']);
      assert.equal(res.json().status, 401);
      assert.equal(res.json().error, 'INVALID_MSPC_TOKEN');
    }
  });

  await t.test('403 VENDOR_NOT_AUTHORIZED when the keys exist but belong to different vendors', async () => {
    const other = await createVendor(g, 'Other Vendor');
    const res = await get(g, '/organization', auth(mspcToken(other.vendor_api_key, integration.partnerApiKey)));
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error, 'VENDOR_NOT_AUTHORIZED');
  });

  await t.test('accounts: idempotent on vendorAccountId, listed a page at a time', async () => {
    const post = (payload: object) => g.app.inject({ method: 'POST', url: `${BASE}/organization/accounts`, headers: auth(token), payload });
    const first = await post({ vendorAccountId: 'acc-1', name: 'Contoso', externalId: 'ext-1' });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().message, 'Successfully created an account');
    assert.equal(first.json().account.vendorAccountId, 'acc-1');
    const again = await post({ vendorAccountId: 'acc-1', name: 'Contoso Ltd', externalId: 'ext-1' });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().account.id, first.json().account.id);
    assert.equal(again.json().account.name, 'Contoso Ltd');
    await post({ vendorAccountId: 'acc-2', name: 'Fabrikam' });
    await post({ vendorAccountId: 'acc-3', name: 'Northwind', externalId: null });
    const page1 = await get(g, '/organization/accounts?limit=2', auth(token));
    assert.equal(page1.statusCode, 200, page1.body);
    assert.deepEqual(
      page1.json().accounts.map((a: { vendorAccountId: string }) => a.vendorAccountId),
      ['acc-1', 'acc-2'],
    );
    assert.equal(page1.json().nextCursor, 'acc-2');
    const page2 = await get(g, `/organization/accounts?limit=2&after=${page1.json().nextCursor}`, auth(token));
    assert.deepEqual(
      page2.json().accounts.map((a: { vendorAccountId: string }) => a.vendorAccountId),
      ['acc-3'],
    );
    assert.equal(page2.json().nextCursor, null);
    const bad = await post({ vendorAccountId: 'acc-4' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\/name is required/);
    const racing = await Promise.all(Array.from({ length: 5 }, () => post({ vendorAccountId: 'acc-race', name: 'Race' })));
    assert.deepEqual(
      racing.map((r) => r.statusCode).sort((a, b) => a - b),
      [200, 200, 200, 200, 201],
    );
  });

  await t.test('services: create, update and list', async () => {
    const post = (payload: object) => g.app.inject({ method: 'POST', url: `${BASE}/organization/services`, headers: auth(token), payload });
    const first = await post({ vendorServiceId: 'svc-1', name: 'Backup', vendorAccountId: 'acc-1' });
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().service.vendorServiceId, 'svc-1');
    assert.equal((await post({ vendorServiceId: 'svc-1', name: 'Backup Pro' })).statusCode, 200);
    const list = await get(g, '/organization/services', { 'mspc-token': token });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list
        .json()
        .services.map((s: { vendorServiceId: string; name: string; vendorAccountId: string | null }) => [s.vendorServiceId, s.name, s.vendorAccountId]),
      [['svc-1', 'Backup Pro', null]],
    );
  });

  await t.test('PATCH status: inactive, pending, active; anything else is 400', async () => {
    const patch = (payload: object) => g.app.inject({ method: 'PATCH', url: `${BASE}/status`, headers: auth(token), payload });
    const res = await patch({ status: 'active' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().integration.status, 'active');
    // The cached view follows at once.
    assert.equal((await get(g, '/organization', auth(token))).json().integration.status, 'active');
    const bad = await patch({ status: 'enabled' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\/status must be one of: inactive, pending, active/);
    const types = (await g.services.storage.db.selectFrom('outbox_events').select('type').execute()).map((e) => e.type);
    assert.ok(types.includes('integration.status_changed'));
  });

  await t.test('a disabled integration is 403 VENDOR_NOT_AUTHORIZED, and works again once enabled', async () => {
    const id = integration.integration.id;
    assert.equal((await g.app.inject({ method: 'POST', url: `/admin/api/v1/integrations/${id}/disable`, headers: admin })).statusCode, 200);
    const refused = await get(g, '/organization', auth(token));
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error, 'VENDOR_NOT_AUTHORIZED');
    await g.app.inject({ method: 'POST', url: `/admin/api/v1/integrations/${id}/enable`, headers: admin });
    assert.equal((await get(g, '/organization', auth(token))).statusCode, 200);
  });

  await t.test('a disabled vendor is 403', async () => {
    await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${vendor.vendor_id}/disable`, headers: admin });
    assert.equal((await get(g, '/organization', auth(token))).statusCode, 403);
    await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${vendor.vendor_id}/enable`, headers: admin });
    assert.equal((await get(g, '/organization', auth(token))).statusCode, 200);
  });

  await t.test('last use is recorded in batches', async () => {
    const before = await g.services.storage.db.selectFrom('partner_api_keys').select('last_used_at').executeTakeFirstOrThrow();
    assert.equal(before.last_used_at, null, 'nothing written per request');
    await g.services.usage.flush();
    const keys = await g.services.storage.db.selectFrom('partner_api_keys').select('last_used_at').execute();
    assert.ok(keys[0].last_used_at instanceof Date);
    const vendorKeys = await g.services.storage.db.selectFrom('vendor_api_keys').select('last_used_at').where('vendor_id', '=', vendor.vendor_id).execute();
    assert.ok(vendorKeys[0].last_used_at instanceof Date);
    const actions = (await g.services.audit.list({ limit: 1000 })).map((e) => e.action);
    for (const a of [
      'vendor_api.used',
      'vendor_api.account_created',
      'vendor_api.account_updated',
      'vendor_api.service_created',
      'integration.status_changed',
      'vendor_api.refused',
    ]) {
      assert.ok(actions.includes(a), a);
    }
  });
});

test('Vendor API: no database round trip per request in steady state', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { token } = await enrolled(g);
  assert.equal((await get(g, '/organization', auth(token))).statusCode, 200);
  const db = g.services.storage.db as unknown as Record<string, unknown>;
  let queries = 0;
  const original = db.executeQuery as (...args: unknown[]) => unknown;
  db.executeQuery = function (...args: unknown[]) {
    queries++;
    return original.apply(this, args);
  };
  for (const name of ['selectFrom', 'updateTable', 'insertInto']) {
    const fn = db[name] as (...args: unknown[]) => unknown;
    db[name] = function (...args: unknown[]) {
      queries++;
      return fn.apply(this, args);
    };
  }
  let steady;
  try {
    for (let i = 0; i < 50; i++) assert.equal((await get(g, '/organization', auth(token))).statusCode, 200);
    steady = queries;
    // The counter does see queries: listing accounts reads the database.
    assert.equal((await get(g, '/organization/accounts', auth(token))).statusCode, 200);
  } finally {
    for (const name of ['executeQuery', 'selectFrom', 'updateTable', 'insertInto']) delete db[name];
  }
  assert.equal(steady, 0);
  assert.ok(queries > 0);
});

test('Vendor API: rate limited per integration with Retry-After', async (t) => {
  const g = await startGatehouse({ GATEHOUSE_VENDOR_API_RATE_LIMIT: '5', GATEHOUSE_VENDOR_API_RATE_LIMIT_WINDOW_MS: '60000' });
  t.after(() => g.stop());
  const a = await enrolled(g);
  const org2 = await createOrganization(g, a.vendor);
  const second = await createExternalIntegration(g, a.vendor, org2.organizationId);
  const b = mspcToken(a.vendor.vendor_api_key, second.partnerApiKey);
  const statuses: number[] = [];
  let limited;
  for (let i = 0; i < 7; i++) {
    const res = await get(g, '/organization', auth(a.token));
    statuses.push(res.statusCode);
    if (res.statusCode === 429) limited = res;
  }
  assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429]);
  assert.ok(Number(limited!.headers['retry-after']) > 0, 'Retry-After');
  assert.equal(limited!.json().status, 429);
  assert.equal(limited!.json().error, 'RATE_LIMITED');
  assert.equal((await get(g, '/organization', auth(b))).statusCode, 200, 'another integration has its own budget');
});

test('Vendor API: key rotation with an overlap window, then without', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const { vendor, integration, token } = await enrolled(g);
  assert.equal((await get(g, '/organization', auth(token))).statusCode, 200);

  const rotated = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/vendors/${vendor.vendor_id}/rotate-api-key`,
    headers: admin,
    payload: { overlap_seconds: 3600 },
  });
  assert.equal(rotated.statusCode, 200, rotated.body);
  const newVendorKey = rotated.json().vendor_api_key;
  const newToken = mspcToken(newVendorKey, integration.partnerApiKey);
  assert.equal((await get(g, '/organization', auth(token))).statusCode, 200, 'old key works during the overlap');
  assert.equal((await get(g, '/organization', auth(newToken))).statusCode, 200, 'new key works');

  const partner = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/integrations/${integration.integration.id}/rotate-partner-key`,
    headers: admin,
    payload: { overlap_seconds: 0 },
  });
  assert.equal(partner.statusCode, 200, partner.body);
  assert.equal((await get(g, '/organization', auth(newToken))).statusCode, 401, 'old partner key retired at once');
  const newest = mspcToken(newVendorKey, partner.json().partner_api_key);
  assert.equal((await get(g, '/organization', auth(newest))).statusCode, 200);

  const again = await g.app.inject({
    method: 'POST',
    url: `/admin/api/v1/vendors/${vendor.vendor_id}/rotate-api-key`,
    headers: admin,
    payload: { overlap_seconds: 0 },
  });
  const latest = mspcToken(again.json().vendor_api_key, partner.json().partner_api_key);
  assert.equal((await get(g, '/organization', auth(newest))).statusCode, 401, 'both earlier vendor keys retired');
  assert.equal((await get(g, '/organization', auth(latest))).statusCode, 200);
  const shown = await g.app.inject({ method: 'GET', url: `/admin/api/v1/vendors/${vendor.vendor_id}`, headers: admin });
  assert.equal(shown.json().api_keys.length, 1);
  const noBody = await g.app.inject({ method: 'POST', url: `/admin/api/v1/vendors/${vendor.vendor_id}/rotate-api-key`, headers: admin });
  assert.equal(noBody.statusCode, 200, noBody.body);
  assert.ok(Date.parse(noBody.json().previous_key_expires_at) > Date.now() + 3600_000, 'default overlap applies');
});
