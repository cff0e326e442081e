// Two Gatehouse instances over one PostgreSQL, one connection with an expired token, 200
// concurrent proxy calls split between them: exactly one refresh reaches the vendor, and every
// call succeeds with the new token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { createTestDatabase, onPostgres, testConfig } from './helpers.ts';
import { LOOPBACK, createConnector, definition, organization, proxy, startVendor, type QuirkyVendor } from './connector-vendors.ts';

const skip = !onPostgres && 'needs PostgreSQL';
let a: Gatehouse;
let b: Gatehouse;
let v: QuirkyVendor;
let drop: () => Promise<void> = async () => {};

before(async () => {
  if (!onPostgres) return;
  const database = await createTestDatabase();
  drop = database.drop;
  a = await buildApp(testConfig(LOOPBACK, database.url));
  b = await buildApp(testConfig(LOOPBACK, database.url));
  v = await startVendor();
});
after(async () => {
  if (!onPostgres) return;
  await v.close();
  await a.close();
  await b.close();
  await drop();
});

test('200 concurrent calls over two instances with an expired token: one upstream refresh', { skip }, async () => {
  const connectorId = await createConnector(a, definition(v, { grantType: 'authorization_code', authUrl: `${v.url}/authorize` }));
  const { organizationId } = await organization(a);
  // An authorization-code connection whose refresh token rotates on every use: a second refresh
  // with the spent one would fail, so a duplicate would show as a failure as well as a count.
  let live = 'rt-0';
  v.onToken = (call, self) => {
    if (call.params.grant_type === 'refresh_token' && call.params.refresh_token !== live) return { status: 400, body: { error: 'invalid_grant' } };
    live = `rt-${v.tokenCalls.length}`;
    return { body: { access_token: self.issue(), refresh_token: live, expires_in: 3600 }, delayMs: 150 };
  };
  const { connection } = await a.services.connectors.connections.save(await a.services.connectors.connectors.get(connectorId), organizationId, {
    accessToken: v.issue(),
    refreshToken: 'rt-0',
    tokenType: 'Bearer',
    scope: undefined,
    expiresAt: new Date(Date.now() - 1000),
  });
  // Both instances know the connection (and its expired token) before the burst.
  await Promise.all([a, b].map((g) => g.services.connectors.credentials.live(connection.id)));
  const before = v.tokenCalls.length;
  const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => proxy(i % 2 ? a : b, connection.id, `/burst/${i}`)));
  const statuses = replies.map((r) => r.statusCode);
  assert.deepEqual(
    [...new Set(statuses)],
    [200],
    `statuses: ${JSON.stringify(
      replies
        .filter((r) => r.statusCode !== 200)
        .map((r) => r.body)
        .slice(0, 3),
    )}`,
  );
  assert.equal(v.tokenCalls.length - before, 1, 'exactly one refresh reached the vendor');
  assert.equal(new Set(replies.map((r) => r.json().grant)).size, 1, 'every call used the same new token');
  const row = await b.services.connectors.connections.get(connection.id);
  assert.equal(row.status, 'active');
  assert.equal(row.version, 1);
});
