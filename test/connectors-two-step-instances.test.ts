// Two Gatehouse instances over one PostgreSQL and a two-step (N-central style) connection whose
// vendor has forgotten its token: 100 concurrent proxy calls split between the instances all
// get a 401 first, and exactly one token exchange reaches the vendor (the refresh single flight).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { admin, createTestDatabase, onPostgres, testConfig } from './helpers.ts';
import { LOOPBACK, createConnector, organization, proxy } from './connector-vendors.ts';
import { startTokenExchangeVendor, type TokenExchangeVendor } from './msp-vendors.ts';

const skip = !onPostgres && 'needs PostgreSQL';
let a: Gatehouse;
let b: Gatehouse;
let v: TokenExchangeVendor;
let drop: () => Promise<void> = async () => {};

before(async () => {
  if (!onPostgres) return;
  const database = await createTestDatabase();
  drop = database.drop;
  a = await buildApp(testConfig(LOOPBACK, database.url));
  b = await buildApp(testConfig(LOOPBACK, database.url));
  v = await startTokenExchangeVendor();
});
after(async () => {
  if (!onPostgres) return;
  await v.close();
  await a.close();
  await b.close();
  await drop();
});

test('100 concurrent calls over two instances after the vendor dropped the token: one exchange', { skip }, async () => {
  const connectorId = await createConnector(a, {
    name: 'N-central',
    authMode: 'two_step',
    apiBaseUrl: `${v.url}/api`,
    credentials: [{ name: 'jwt', title: 'User API token (JWT)' }],
    tokenRequest: { method: 'POST', url: `${v.url}/api/auth/authenticate`, headers: { Authorization: 'Bearer ${credentials.jwt}' } },
    tokenResponse: { accessToken: 'tokens.access.token', expiresIn: 'tokens.access.expirySeconds' },
  });
  const { organizationId } = await organization(a);
  const created = await a.app.inject({
    method: 'POST',
    url: '/admin/api/v1/connections',
    headers: admin,
    payload: { connector_id: connectorId, organization_id: organizationId, credentials: { jwt: v.jwt } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().connection_id;
  assert.equal(v.exchanges, 1);
  // Both instances hold the token before the vendor forgets it.
  assert.equal((await proxy(a, id, '/warm')).statusCode, 200);
  assert.equal((await proxy(b, id, '/warm')).statusCode, 200);
  v.valid.clear();
  v.delayMs = 150;
  const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => proxy(i % 2 ? a : b, id, `/devices/${i}`)));
  assert.deepEqual([...new Set(replies.map((r) => r.statusCode))], [200]);
  assert.equal(v.exchanges, 2, 'one exchange for both instances');
});
