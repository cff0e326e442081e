// SDK retries: 503 and 429 are retried with backoff (Retry-After honoured), network errors too;
// any other 4xx is thrown after exactly one request, as a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseClient, GatehouseError, GatehouseNetworkError, VendorApiClient } from '../packages/client/src/index.ts';
import { recordingSleep, scriptedServer, type Reply } from './sdk-server.ts';

const ORG = { name: 'Wisozk Inc', email: 'ansley@example.com', firstName: 'Ansley', lastName: 'Parisian', vendorUserId: '1234', vendorOrganizationId: '1234' };
const CREATED = { status: 201, message: 'Successfully created organization', organizationOemToken: 'oem-token', organizationId: 'org-1' };

async function setup(t: import('node:test').TestContext, script: Reply[], options: { attempts?: number; random?: number; now?: number } = {}) {
  const server = await scriptedServer(script);
  t.after(() => server.close());
  const { sleep, waits } = recordingSleep();
  const client = new GatehouseClient({
    baseUrl: server.url,
    clientId: 'client-1',
    clientSecret: 'secret-1',
    retry: { attempts: options.attempts ?? 4, baseDelayMs: 100 },
    sleep,
    random: () => options.random ?? 0.5,
    now: () => options.now ?? Date.now(),
  });
  return { server, client, waits };
}

test('503 twice, then success: three requests, jittered exponential waits', async (t) => {
  const { server, client, waits } = await setup(t, [
    { status: 503, body: { status: 503, error: 'UNAVAILABLE', message: 'try later' } },
    { status: 503 },
    { status: 201, body: CREATED },
  ]);
  assert.deepEqual(await client.createOrganization(ORG), CREATED);
  assert.equal(server.requests.length, 3);
  // Full jitter with random() = 0.5: half of 100 ms, then half of 200 ms.
  assert.deepEqual(waits, [50, 100]);
});

test('429 with Retry-After in seconds: waits at least that long, then succeeds', async (t) => {
  const { server, client, waits } = await setup(
    t,
    [
      { status: 429, headers: { 'retry-after': '2' }, body: { status: 429, error: 'RATE_LIMITED', message: 'slow down' } },
      { status: 201, body: CREATED },
    ],
    { random: 0 },
  );
  assert.deepEqual(await client.createOrganization(ORG), CREATED);
  assert.equal(server.requests.length, 2);
  assert.deepEqual(waits, [2000]);
});

test('429 with Retry-After as an HTTP date: waits until that date', async (t) => {
  const now = Date.parse('2030-01-01T00:00:00Z');
  const { server, client, waits } = await setup(
    t,
    [
      { status: 429, headers: { 'retry-after': new Date(now + 7000).toUTCString() } },
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 201, body: CREATED },
    ],
    { random: 0, now },
  );
  await client.createOrganization(ORG);
  assert.equal(server.requests.length, 3);
  assert.deepEqual(waits, [7000, 1000]);
});

test('a Retry-After shorter than the backoff does not shorten it', async (t) => {
  const { client, waits } = await setup(
    t,
    [
      { status: 503, headers: { 'retry-after': '0' } },
      { status: 201, body: CREATED },
    ],
    { random: 0.99 },
  );
  await client.createOrganization(ORG);
  assert.deepEqual(waits, [99]);
});

test('the attempt limit: the last 429 is thrown with its status, code and Retry-After', async (t) => {
  const { server, client, waits } = await setup(
    t,
    [{ status: 429, headers: { 'retry-after': '1' }, body: { status: 429, error: 'RATE_LIMITED', message: 'slow down' } }],
    { attempts: 3 },
  );
  const error = await client.createOrganization(ORG).catch((e: unknown) => e);
  assert.ok(error instanceof GatehouseError);
  assert.equal(error.status, 429);
  assert.equal(error.code, 'RATE_LIMITED');
  assert.equal(error.retryAfterMs, 1000);
  assert.equal(error.attempts, 3);
  assert.equal(server.requests.length, 3);
  assert.equal(waits.length, 2);
});

test('a Retry-After beyond the limit is not waited out', async (t) => {
  const { server, client, waits } = await setup(t, [{ status: 503, headers: { 'retry-after': '3600' } }]);
  await assert.rejects(client.createOrganization(ORG), (e: unknown) => e instanceof GatehouseError && e.status === 503 && e.retryAfterMs === 3_600_000);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(waits, []);
});

test('400: exactly one request and a typed error carrying the seed code and message', async (t) => {
  const { server, client, waits } = await setup(t, [{ status: 400, body: { status: 400, error: 'BAD_REQUEST', message: 'data.email is required' } }]);
  const error = await client.createOrganization(ORG).catch((e: unknown) => e);
  assert.ok(error instanceof GatehouseError);
  assert.equal(error.status, 400);
  assert.equal(error.code, 'BAD_REQUEST');
  assert.equal(error.message, 'data.email is required');
  assert.equal(error.attempts, 1);
  assert.equal(server.requests.length, 1);
  assert.deepEqual(waits, []);
});

test('other 4xx are not retried either: 401, 403, 404, 409', async (t) => {
  for (const [status, code] of [
    [401, 'INVALID_CLIENT'],
    [403, 'VENDOR_NOT_AUTHORIZED'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
  ] as const) {
    const { server, client } = await setup(t, [{ status, body: { status, error: code, message: 'no' } }]);
    await assert.rejects(client.createOrganization(ORG), (e: unknown) => e instanceof GatehouseError && e.status === status && e.code === code);
    assert.equal(server.requests.length, 1, `status ${status}`);
  }
});

test('token endpoint errors carry the RFC 6749 error code', async (t) => {
  const { server, client } = await setup(t, [{ status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } }]);
  await assert.rejects(
    client.requestToken('oem:partner_token'),
    (e: unknown) => e instanceof GatehouseError && e.status === 401 && e.code === 'invalid_client' && e.message === 'client authentication failed',
  );
  assert.equal(server.requests.length, 1);
});

test('a dropped connection is retried', async (t) => {
  const { server, client, waits } = await setup(t, [
    { status: 0, hangUp: true },
    { status: 201, body: CREATED },
  ]);
  assert.deepEqual(await client.createOrganization(ORG), CREATED);
  assert.equal(server.requests.length, 2);
  assert.equal(waits.length, 1);
});

test('a server that never answers: a network error after the attempt limit', async (t) => {
  const server = await scriptedServer([{ status: 200 }]);
  const url = server.url;
  await server.close(); // nothing listens on this port now
  const { sleep, waits } = recordingSleep();
  const api = new VendorApiClient({ baseUrl: url, mspcToken: 'dG9rZW4=', retry: { attempts: 3 }, sleep });
  const error = await api.getOrganization().catch((e: unknown) => e);
  assert.ok(error instanceof GatehouseNetworkError);
  assert.ok(error instanceof GatehouseError);
  assert.equal(error.status, 0);
  assert.equal(error.code, 'NETWORK_ERROR');
  assert.equal(error.attempts, 3);
  assert.equal(waits.length, 2);
  t.diagnostic(error.message);
});

test('a caller who aborts is not retried', async (t) => {
  const { server, client } = await setup(t, [{ status: 503 }]);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(client.createOrganization(ORG, controller.signal), { name: 'AbortError' });
  assert.equal(server.requests.length, 0);
});
