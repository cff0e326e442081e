// OEM API: Idempotency-Key on the creating calls (organization, user, integration, session).
// A retry with the same key and body gets the first answer again instead of creating twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, credentials, organizationData, type TestVendor } from './oem-helpers.ts';

const ORGANIZATION = '/api/oem-api/organization';
const USER = '/api/oem-api/organization/user';
const SESSION = '/api/oem-api/organization/session';
const INTEGRATION = '/api/oem-api/integration';

let counter = 0;
const newKey = () => `key-${Date.now()}-${++counter}`;

function post(g: TestGatehouse, url: string, payload: object, key?: string, headers: Record<string, string> = {}) {
  return g.app.inject({ method: 'POST', url, payload, headers: { ...(key === undefined ? {} : { 'idempotency-key': key }), ...headers } });
}

async function organizationCount(g: TestGatehouse, v: TestVendor): Promise<number> {
  return (await g.services.storage.db.selectFrom('organizations').select('id').where('vendor_id', '=', v.vendor_id).execute()).length;
}

async function keyRows(g: TestGatehouse, v: TestVendor) {
  return g.services.storage.db.selectFrom('idempotency_keys').selectAll().where('vendor_id', '=', v.vendor_id).execute();
}

test('Idempotency-Key on the OEM API creating calls', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const vendor = await createVendor(g);
  const org = await createOrganization(g, vendor);
  const owner = { ...credentials(vendor), organizationOemToken: org.organizationOemToken };

  await t.test('organization: a retry replays status, body and the one-time token; the organization is created once', async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    const before = await organizationCount(g, vendor);
    const first = await post(g, ORGANIZATION, payload, key);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.headers['idempotent-replayed'], undefined);
    const retry = await post(g, ORGANIZATION, payload, key);
    assert.equal(retry.statusCode, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, first.body);
    assert.match(retry.json().organizationOemToken, /^ghorg_/);
    assert.equal(retry.headers['content-type'], first.headers['content-type']);
    assert.equal(retry.headers['cache-control'], 'no-store');
    assert.equal(await organizationCount(g, vendor), before + 1);
    // The stored answer is sealed: the token is nowhere in the row.
    const rows = await keyRows(g, vendor);
    const row = rows.find((r) => r.key === key);
    assert.ok(row);
    assert.equal(row.status, 201);
    assert.ok(!JSON.stringify(row).includes(first.json().organizationOemToken));
    assert.ok(!JSON.stringify(row).includes(first.json().organizationId));
  });

  await t.test("the replayed token works: the retry's token adds a user to the organization", async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    await post(g, ORGANIZATION, payload, key);
    const retry = await post(g, ORGANIZATION, payload, key);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    const res = await post(g, USER, {
      ...credentials(vendor),
      organizationOemToken: retry.json().organizationOemToken,
      data: { email: `replayed-${counter}@example.com` },
    });
    assert.equal(res.statusCode, 201, res.body);
  });

  await t.test('user, session and integration: each replays its first answer, secrets included', async () => {
    const user = { ...owner, data: { email: `retried-${counter}@example.com`, vendorUserId: `retried-${counter}` } };
    const session = { ...owner };
    const partnerToken = await accessToken(g, vendor, 'oem:partner_token');
    const integration = { integrationType: 'external', organizationId: org.organizationId, vendorId: vendor.vendor_id };
    const bearer = { authorization: `Bearer ${partnerToken}` };
    for (const [url, payload, headers] of [
      [USER, user, {}],
      [SESSION, session, {}],
      [INTEGRATION, integration, bearer],
    ] as const) {
      const key = newKey();
      const first = await post(g, url, payload, key, headers);
      assert.equal(first.statusCode, 201, `${url}: ${first.body}`);
      const retry = await post(g, url, payload, key, headers);
      assert.equal(retry.statusCode, 201, url);
      assert.equal(retry.headers['idempotent-replayed'], 'true', url);
      assert.equal(retry.body, first.body, url);
    }
    const users = await g.services.organizations.users(org.organizationId);
    assert.equal(users.filter((u) => u.vendor_user_id === user.data.vendorUserId).length, 1);
    const integrations = await g.services.storage.db.selectFrom('integrations').select('id').where('organization_id', '=', org.organizationId).execute();
    assert.equal(integrations.length, 1, 'one integration for the two calls');
  });

  await t.test('key order and the way the caller authenticates do not make a retry differ', async () => {
    const key = newKey();
    const data = organizationData();
    const first = await post(g, ORGANIZATION, { ...credentials(vendor), data }, key);
    assert.equal(first.statusCode, 201, first.body);
    const reordered = Object.fromEntries(Object.entries(data).reverse());
    const token = await accessToken(g, vendor, 'vendor_manage');
    const retry = await post(g, ORGANIZATION, { data: reordered }, key, { authorization: `Bearer ${token}` });
    assert.equal(retry.statusCode, 201, retry.body);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, first.body);
  });

  await t.test('the same key with a different body is 422 and creates nothing', async () => {
    const key = newKey();
    const first = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, key);
    assert.equal(first.statusCode, 201, first.body);
    const before = await organizationCount(g, vendor);
    const other = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, key);
    assert.equal(other.statusCode, 422);
    assert.deepEqual(Object.keys(other.json()), ['status', 'error', 'message']);
    assert.equal(other.json().error, 'IDEMPOTENCY_KEY_REUSED');
    assert.match(other.json().message, /Idempotency-Key.*different request body/);
    assert.equal(other.headers['idempotent-replayed'], undefined);
    assert.equal(await organizationCount(g, vendor), before);
  });

  await t.test('the same key on another route is 422', async () => {
    const key = newKey();
    const first = await post(g, SESSION, owner, key);
    assert.equal(first.statusCode, 201, first.body);
    const before = await organizationCount(g, vendor);
    const other = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, key);
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().error, 'IDEMPOTENCY_KEY_REUSED');
    assert.match(other.json().message, /another route \(POST \/api\/oem-api\/organization\/session\)/);
    assert.equal(await organizationCount(g, vendor), before);
  });

  await t.test("keys are the vendor's own: another vendor's call with the same key runs", async () => {
    const key = newKey();
    const first = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, key);
    assert.equal(first.statusCode, 201, first.body);
    const other = await createVendor(g, 'Other Backup');
    const theirs = await post(g, ORGANIZATION, { ...credentials(other), data: organizationData() }, key);
    assert.equal(theirs.statusCode, 201, theirs.body);
    assert.equal(theirs.headers['idempotent-replayed'], undefined);
    assert.notEqual(theirs.json().organizationId, first.json().organizationId);
  });

  await t.test('concurrent requests with one key: one execution, the others replay it or get 409', async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    const before = await organizationCount(g, vendor);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(g, ORGANIZATION, payload, key)));
    const executed = answers.filter((r) => r.statusCode === 201 && r.headers['idempotent-replayed'] === undefined);
    assert.equal(executed.length, 1, answers.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
    for (const answer of answers) {
      if (answer === executed[0]) continue;
      if (answer.statusCode === 409) {
        assert.equal(answer.json().error, 'IDEMPOTENCY_KEY_IN_USE');
        assert.match(answer.json().message, /request with this Idempotency-Key is still in progress/);
      } else {
        assert.equal(answer.statusCode, 201, answer.body);
        assert.equal(answer.headers['idempotent-replayed'], 'true');
        assert.equal(answer.body, executed[0].body);
      }
    }
    assert.equal(await organizationCount(g, vendor), before + 1);
    // Once it has finished, every retry gets the answer.
    const later = await post(g, ORGANIZATION, payload, key);
    assert.equal(later.headers['idempotent-replayed'], 'true');
    assert.equal(later.body, executed[0].body);
  });

  await t.test('a request while the first with its key runs gets 409, and creates nothing', async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    const organizations = g.services.organizations;
    const create = organizations.create.bind(organizations);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    organizations.create = async (...args) => {
      started();
      await held;
      return create(...args);
    };
    try {
      const first = post(g, ORGANIZATION, payload, key);
      await running;
      const second = await post(g, ORGANIZATION, payload, key);
      assert.equal(second.statusCode, 409);
      assert.equal(second.json().error, 'IDEMPOTENCY_KEY_IN_USE');
      release();
      assert.equal((await first).statusCode, 201);
    } finally {
      organizations.create = create;
      release();
    }
  });

  await t.test('an expired key (older than 24 hours) runs afresh, and the purge drops it', async () => {
    const key = newKey();
    const first = await post(g, SESSION, owner, key);
    assert.equal(first.statusCode, 201, first.body);
    const db = g.services.storage.db;
    const dayAndMinuteAgo = new Date(Date.now() - 86_400_000 - 60_000);
    await db.updateTable('idempotency_keys').set({ created_at: dayAndMinuteAgo }).where('vendor_id', '=', vendor.vendor_id).where('key', '=', key).execute();
    const again = await post(g, SESSION, owner, key);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.headers['idempotent-replayed'], undefined);
    assert.notEqual(again.json().redirectUrl, first.json().redirectUrl, 'a new login link');
    const retry = await post(g, SESSION, owner, key);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, again.body);

    await db.updateTable('idempotency_keys').set({ created_at: dayAndMinuteAgo }).where('vendor_id', '=', vendor.vendor_id).where('key', '=', key).execute();
    const kept = (await keyRows(g, vendor)).length;
    await g.services.idempotencyKeys.purge();
    const rows = await keyRows(g, vendor);
    assert.equal(rows.length, kept - 1);
    assert.ok(!rows.some((r) => r.key === key));
  });

  await t.test('a first execution that fails with a 5xx releases the key: the retry runs', async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    const organizations = g.services.organizations;
    const create = organizations.create.bind(organizations);
    organizations.create = async () => {
      throw new Error('the disk is on fire');
    };
    let failed;
    try {
      failed = await post(g, ORGANIZATION, payload, key);
    } finally {
      organizations.create = create;
    }
    assert.equal(failed.statusCode, 500);
    assert.ok(!(await keyRows(g, vendor)).some((r) => r.key === key), 'the key was released');
    const retry = await post(g, ORGANIZATION, payload, key);
    assert.equal(retry.statusCode, 201, retry.body);
    assert.equal(retry.headers['idempotent-replayed'], undefined);
    const again = await post(g, ORGANIZATION, payload, key);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.equal(again.body, retry.body);
  });

  await t.test('a 4xx answer is kept and replayed like a success', async () => {
    const key = newKey();
    const payload = { ...owner, vendorUserId: `not-yet-${counter}` };
    const first = await post(g, SESSION, payload, key);
    assert.equal(first.statusCode, 404, first.body);
    assert.equal(first.json().error, 'NOT_FOUND');
    // Even once the user exists, the key's answer stays the first one (as Stripe's does).
    const added = await post(g, USER, { ...owner, data: { email: `${payload.vendorUserId}@example.com`, vendorUserId: payload.vendorUserId } });
    assert.equal(added.statusCode, 201, added.body);
    const retry = await post(g, SESSION, payload, key);
    assert.equal(retry.statusCode, 404);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.equal(retry.body, first.body);
  });

  await t.test('a refused credential is not kept: the key stays free for the real call', async () => {
    const key = newKey();
    const payload = { ...credentials(vendor), data: organizationData() };
    const refused = await post(g, ORGANIZATION, { ...payload, clientSecret: 'wrong' }, key);
    assert.equal(refused.statusCode, 401);
    assert.ok(!(await keyRows(g, vendor)).some((r) => r.key === key));
    const res = await post(g, ORGANIZATION, payload, key);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers['idempotent-replayed'], undefined);
  });

  await t.test('a malformed key is a 400 naming the header, and nothing is created', async () => {
    const before = await organizationCount(g, vendor);
    for (const key of ['', 'k'.repeat(256), 'clé-ü', 'tab\there', ' leading', 'trailing ']) {
      const res = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, key);
      assert.equal(res.statusCode, 400, `${JSON.stringify(key)}: ${res.body}`);
      assert.equal(res.json().error, 'BAD_REQUEST');
      assert.match(res.json().message, /idempotency-key/i);
    }
    assert.equal(await organizationCount(g, vendor), before);
    const longest = await post(g, ORGANIZATION, { ...credentials(vendor), data: organizationData() }, `${'k'.repeat(250)} ~!"#`);
    assert.equal(longest.statusCode, 201, 'a key of 255 printable characters, spaces included, is fine');
  });

  await t.test('without the header nothing changes: a repeated call creates again or conflicts as before', async () => {
    const rowsBefore = (await keyRows(g, vendor)).length;
    const payload = { ...credentials(vendor), data: organizationData() };
    const first = await post(g, ORGANIZATION, payload);
    assert.equal(first.statusCode, 201);
    const second = await post(g, ORGANIZATION, payload);
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().error, 'CONFLICT');
    assert.equal(second.headers['idempotent-replayed'], undefined);
    const one = await post(g, SESSION, owner);
    const two = await post(g, SESSION, owner);
    assert.equal(one.statusCode, 201);
    assert.notEqual(one.json().redirectUrl, two.json().redirectUrl, 'two calls, two links');
    assert.equal((await keyRows(g, vendor)).length, rowsBefore);
  });

  await t.test('the OpenAPI document names the header and the 409 and 422 answers on the four routes', async () => {
    const spec = (await g.app.inject({ method: 'GET', url: '/docs/json' })).json();
    for (const path of [ORGANIZATION, USER, SESSION, INTEGRATION]) {
      const operation = spec.paths[path].post;
      const header = operation.parameters.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key');
      assert.ok(header, `${path} documents Idempotency-Key`);
      assert.equal(header.required, false);
      assert.equal(header.schema.maxLength, 255);
      assert.match(operation.responses['409'].description, /IDEMPOTENCY_KEY_IN_USE/);
      assert.match(operation.responses['422'].description, /IDEMPOTENCY_KEY_REUSED/);
      assert.ok(operation.responses['201'].headers['Idempotent-Replayed'], `${path} documents the replay header`);
    }
  });
});
