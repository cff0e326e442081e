// Two instances on one PostgreSQL: a key rotation or a disabled integration on one instance holds
// on the other at once, although the other answers Vendor API requests from its cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { admin, createTestDatabase, onPostgres, testConfig } from './helpers.ts';
import { enrolled, mspcToken } from './oem-helpers.ts';

async function statusOn(g: Gatehouse, token: string): Promise<number> {
  const res = await g.app.inject({ method: 'GET', url: '/api/vendor-api/organization', headers: { authorization: `Bearer ${token}` } });
  return res.statusCode;
}

/** Poll until `g` answers `expected` (signals arrive asynchronously), for at most two seconds. */
async function eventually(g: Gatehouse, token: string, expected: number): Promise<number> {
  let status = 0;
  for (let i = 0; i < 40; i++) {
    status = await statusOn(g, token);
    if (status === expected) return status;
    await sleep(50);
  }
  return status;
}

test('cache invalidation across instances', { skip: !onPostgres && 'needs PostgreSQL (TEST_DATABASE_URL)' }, async (t) => {
  const database = await createTestDatabase();
  const a = await buildApp(testConfig({}, database.url));
  const b = await buildApp(testConfig({}, database.url));
  t.after(async () => {
    await a.close();
    await b.close();
    await database.drop();
  });
  await Promise.all([a.app.ready(), b.app.ready()]);
  const { vendor, integration, token } = await enrolled(a);

  // B learns the token and answers from its cache from now on.
  assert.equal(await statusOn(b, token), 200);
  assert.equal(await statusOn(b, token), 200);

  let fresh = '';
  await t.test('a vendor key rotated without overlap on A is refused by B', async () => {
    const res = await a.app.inject({
      method: 'POST',
      url: `/admin/api/v1/vendors/${vendor.vendor_id}/rotate-api-key`,
      headers: admin,
      payload: { overlap_seconds: 0 },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(await eventually(b, token, 401), 401);
    fresh = mspcToken(res.json().vendor_api_key, integration.partnerApiKey);
    assert.equal(await statusOn(b, fresh), 200);
  });

  await t.test('an integration disabled on A is refused by B, and enabled again', async () => {
    await a.app.inject({ method: 'POST', url: `/admin/api/v1/integrations/${integration.integration.id}/disable`, headers: admin });
    assert.equal(await eventually(b, fresh, 403), 403);
    await a.app.inject({ method: 'POST', url: `/admin/api/v1/integrations/${integration.integration.id}/enable`, headers: admin });
    assert.equal(await eventually(b, fresh, 200), 200);
  });

  await t.test('a status change on B shows on A', async () => {
    assert.equal(await statusOn(a, fresh), 200);
    const patched = await b.app.inject({
      method: 'PATCH',
      url: '/api/vendor-api/status',
      headers: { authorization: `Bearer ${fresh}` },
      payload: { status: 'active' },
    });
    assert.equal(patched.statusCode, 200);
    let seen = '';
    for (let i = 0; i < 40 && seen !== 'active'; i++) {
      const res = await a.app.inject({ method: 'GET', url: '/api/vendor-api/organization', headers: { authorization: `Bearer ${fresh}` } });
      seen = res.json().integration.status;
      if (seen !== 'active') await sleep(50);
    }
    assert.equal(seen, 'active');
  });
});
