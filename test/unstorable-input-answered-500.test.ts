// Values PostgreSQL cannot store once reached a statement and answered 500: a cursor beyond a
// bigint, dates outside years 0001-9999 or on a leap second, a connector named "\ud800". Now a
// request carrying one answers 400 naming the field and changes nothing, on every route; what a
// vendor answers (a NUL in a scope, a lone surrogate, an expiry in year 300000) is stored made
// storable instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { connectClientCredentials, createConnector, definition, organization, proxy, startVendor, type QuirkyVendor } from './connector-vendors.ts';
import { credentials, createVendor } from './oem-helpers.ts';
import { LOOPBACK, mspSetup, subscribe } from './webhook-helpers.ts';

let g: TestGatehouse;
let msp: Awaited<ReturnType<typeof mspSetup>>;
let hookId: string;
const vendors: QuirkyVendor[] = [];

before(async () => {
  g = await startGatehouse(LOOPBACK);
  msp = await mspSetup(g);
  hookId = (await subscribe(g, msp.auth, { webhook_url: 'https://receiver.example/hooks', eventTypes: ['user.added'] })).webhook_id;
});
after(async () => {
  for (const v of vendors) await v.close();
  await g.stop();
});

const json = { 'content-type': 'application/json' };
const DATES = ['0000-01-01T00:00:00Z', '2026-01-01T23:59:60Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:00:00-05:00', '10000-01-01T00:00:00Z'];

function assert400(res: { statusCode: number; body: string }, field: string) {
  assert.equal(res.statusCode, 400, res.body);
  assert.ok(res.body.includes(field), `the answer names ${field}: ${res.body}`);
}

test('a cursor beyond a bigint on the delivery log: 400 naming before, on the MSP and admin APIs', async () => {
  const msp400 = await g.app.inject({ method: 'GET', url: `/api/msp/v1/webhooks/${hookId}/deliveries?before=9999999999999999999`, headers: msp.auth });
  assert400(msp400, 'querystring/before');
  const admin400 = await g.app.inject({
    method: 'GET',
    url: `/admin/api/v1/organizations/${msp.organizationId}/webhooks/${hookId}/deliveries?before=9999999999999999999`,
    headers: admin,
  });
  assert400(admin400, 'querystring/before');
  const fine = await g.app.inject({ method: 'GET', url: `/api/msp/v1/webhooks/${hookId}/deliveries?before=999999999999999999`, headers: msp.auth });
  assert.equal(fine.statusCode, 200, fine.body);
  const auditCursor = await g.app.inject({ method: 'GET', url: '/admin/api/v1/audit-events?before_id=9999999999999999999', headers: admin });
  assert400(auditCursor, 'querystring/before_id');
});

test('dates PostgreSQL cannot take, on webhook recover and the audit filters: 400 naming the field', async () => {
  for (const since of DATES) {
    const recover = await g.app.inject({ method: 'POST', url: `/api/msp/v1/webhooks/${hookId}/recover`, headers: msp.auth, payload: { since } });
    assert400(recover, 'body/since');
    for (const field of ['since', 'until']) {
      const audit = await g.app.inject({ method: 'GET', url: `/admin/api/v1/audit-events?${field}=${encodeURIComponent(since)}`, headers: admin });
      assert400(audit, `querystring/${field}`);
    }
  }
  // The edges that can be stored are accepted, in any offset and either case.
  for (const since of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2026-01-01t23:59:59z', '2026-06-30T12:00:00.123456+05:30']) {
    const recover = await g.app.inject({ method: 'POST', url: `/api/msp/v1/webhooks/${hookId}/recover`, headers: msp.auth, payload: { since } });
    assert.equal(recover.statusCode, 202, `${since}: ${recover.body}`);
    const audit = await g.app.inject({ method: 'GET', url: `/admin/api/v1/audit-events?since=${encodeURIComponent(since)}`, headers: admin });
    assert.equal(audit.statusCode, 200, `${since}: ${audit.body}`);
  }
});

test('a lone surrogate or a NUL in a request field: 400 naming it, nothing created', async () => {
  const connectorsBefore = (await g.app.inject({ method: 'GET', url: '/admin/api/v1/connectors', headers: admin })).json().connectors.length;
  const connector =
    '{"name":"\\ud800","grantType":"client_credentials","tokenUrl":"https://v.example/t","clientId":"c","clientSecret":"s","apiBaseUrl":"https://v.example/api"}';
  assert400(await g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: { ...admin, ...json }, payload: connector }), 'body/name');
  const params =
    '{"name":"ok","grantType":"client_credentials","tokenUrl":"https://v.example/t","clientId":"c","clientSecret":"s","apiBaseUrl":"https://v.example/api","extra":{"token":{"params":{"aud\\udfff":"x"}}}}';
  assert400(
    await g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: { ...admin, ...json }, payload: params }),
    'body/extra/token/params/aud',
  );
  assert.equal((await g.app.inject({ method: 'GET', url: '/admin/api/v1/connectors', headers: admin })).json().connectors.length, connectorsBefore);

  const clientsBefore = (await g.services.storage.db.selectFrom('clients').select('id').execute()).length;
  assert400(
    await g.app.inject({
      method: 'POST',
      url: '/admin/api/v1/clients',
      headers: { ...admin, ...json },
      payload: '{"name":"a\\u0000b","grant_types":["client_credentials"],"scopes":["read"]}',
    }),
    'body/name',
  );
  assert400(
    await g.app.inject({
      method: 'POST',
      url: '/admin/api/v1/clients',
      headers: { ...admin, ...json },
      payload: '{"name":"x","grant_types":["client_credentials"],"scopes":["\\ud800"]}',
    }),
    'body/scopes/0',
  );
  assert.equal((await g.services.storage.db.selectFrom('clients').select('id').execute()).length, clientsBefore);

  // The OEM API answers in its own vocabulary; the query string and path are checked too.
  const vendor = await createVendor(g, 'Surrogate Vendor');
  const oem = await g.app.inject({
    method: 'POST',
    url: '/api/oem-api/organization',
    headers: json,
    payload: JSON.stringify({ ...credentials(vendor), data: { name: 'Org', email: 'o@example.com', vendorOrganizationId: 'v\ud800' } }),
  });
  assert400(oem, 'body/data/vendorOrganizationId');
  assert.equal(oem.json().error, 'BAD_REQUEST');
  assert400(await g.app.inject({ method: 'GET', url: '/admin/api/v1/audit-events?action=a%00b', headers: admin }), 'querystring/action');
  assert400(await g.app.inject({ method: 'GET', url: '/admin/api/v1/clients/a%00b', headers: admin }), 'params/id');
  const token = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&client_id=a%00&client_secret=b',
  });
  assert.equal(token.statusCode, 400, token.body);
  assert.equal(token.json().error, 'invalid_request');
});

test('what a vendor answers is stored made storable: a NUL in the scope, a lone surrogate in the token type, an expiry past year 9999', async () => {
  const v = await startVendor({
    onToken: (_c, self) => ({ body: { access_token: self.issue(), token_type: 'bearer\ud800', scope: 'read\0write', expires_in: 1e15 } }),
  });
  vendors.push(v);
  const connectorId = await createConnector(g, definition(v));
  const { organizationId } = await organization(g);
  const connection = await connectClientCredentials(g, connectorId, organizationId);
  assert.equal(connection.status, 'active');
  assert.equal(connection.expires_at, null, 'an expiry the database cannot hold counts as none');
  const row = await g.services.storage.db
    .selectFrom('connections')
    .select(['token_type', 'scope'])
    .where('id', '=', connection.connection_id)
    .executeTakeFirstOrThrow();
  assert.equal(row.scope, 'read\uFFFDwrite');
  assert.equal(row.token_type, 'bearer\uFFFD');

  // The proxy stores nothing of what it forwards: its query goes to the vendor as sent.
  const forwarded = await proxy(g, connection.connection_id, '/v1/items?q=a%00b');
  assert.equal(forwarded.statusCode, 200, forwarded.body);
  assert.deepEqual(forwarded.json().query, { q: 'a\0b' });
  assert400(await proxy(g, 'a%00b', '/v1/items'), 'params/id');
});
