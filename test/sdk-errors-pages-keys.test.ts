// The SDK against a scripted server: the error class each kind of failure becomes, async
// iteration over the Vendor API's cursors, the Idempotency-Key each creating OEM call carries
// (one per call, the same on its retries), and the User-Agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  GatehouseAuthenticationError,
  GatehouseClient,
  GatehouseConflictError,
  GatehouseError,
  GatehouseNetworkError,
  GatehouseNotFoundError,
  GatehousePermissionError,
  GatehouseRateLimitError,
  GatehouseTimeoutError,
  GatehouseUnavailableError,
  GatehouseValidationError,
  USER_AGENT,
  VendorApiClient,
  VERSION,
} from '../packages/client/src/index.ts';
import { CLIENT_PACKAGE } from '../scripts/pack.ts';
import { recordingSleep, scriptedServer, type Recorded, type Reply } from './sdk-server.ts';

const ORG = { name: 'Wisozk Inc', email: 'ansley@example.com', firstName: 'Ansley', lastName: 'Parisian', vendorUserId: '1234', vendorOrganizationId: '1234' };
const CREATED = { status: 201, message: 'Successfully created organization', organizationOemToken: 'oem-token', organizationId: 'org-1' };
const TOKEN = { access_token: 'at', token_type: 'Bearer', expires_in: 3600 };

async function client(t: import('node:test').TestContext, script: Reply[] | ((request: Recorded) => Reply), attempts = 1) {
  const server = await scriptedServer(script);
  t.after(() => server.close());
  const { sleep, waits } = recordingSleep();
  const gatehouse = new GatehouseClient({
    baseUrl: server.url,
    clientId: 'client-1',
    clientSecret: 'secret-1',
    vendorId: 'vendor-1',
    retry: { attempts },
    sleep,
  });
  return { server, gatehouse, waits };
}

test('each status becomes its own error class, all GatehouseErrors with status, code and message', async (t) => {
  const cases = [
    [400, 'BAD_REQUEST', GatehouseValidationError],
    [401, 'INVALID_CLIENT', GatehouseAuthenticationError],
    [403, 'VENDOR_NOT_AUTHORIZED', GatehousePermissionError],
    [404, 'NOT_FOUND', GatehouseNotFoundError],
    [409, 'CONFLICT', GatehouseConflictError],
    [422, 'BAD_REQUEST', GatehouseValidationError],
    [429, 'RATE_LIMITED', GatehouseRateLimitError],
    [503, 'SERVICE_UNAVAILABLE', GatehouseUnavailableError],
    [500, 'INTERNAL_ERROR', GatehouseError],
  ] as const;
  for (const [status, code, Kind] of cases) {
    const { gatehouse } = await client(t, [{ status, body: { status, error: code, message: `answer ${status}` } }]);
    const error = await gatehouse.createOrganization(ORG).catch((e: unknown) => e);
    assert.ok(error instanceof Kind, `${status} is a ${Kind.name}`);
    assert.ok(error instanceof GatehouseError);
    assert.equal(error.name, Kind.name);
    assert.deepEqual([error.status, error.code, error.message], [status, code, `answer ${status}`]);
  }
});

test('an answer without a code is given the one its status implies', async (t) => {
  const { gatehouse } = await client(t, [{ status: 502, body: undefined }]);
  await assert.rejects(gatehouse.createOrganization(ORG), (e: unknown) => e instanceof GatehouseError && e.status === 502 && e.code === 'HTTP_502');
});

test('a rate limit that outlasts the retries carries retryAfter in seconds', async (t) => {
  const { gatehouse, server } = await client(
    t,
    [{ status: 429, headers: { 'retry-after': '2' }, body: { status: 429, error: 'RATE_LIMITED', message: 'slow down' } }],
    2,
  );
  const error = await gatehouse.createOrganization(ORG).catch((e: unknown) => e);
  assert.ok(error instanceof GatehouseRateLimitError);
  assert.equal(error.retryAfter, 2);
  assert.equal(error.retryAfterMs, 2000);
  assert.equal(error.attempts, 2);
  assert.equal(server.requests.length, 2);
});

test('a timed-out attempt is a GatehouseTimeoutError, a refused connection a GatehouseNetworkError', async (t) => {
  // A server that reads the request and never answers.
  const silent = createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        silent.closeAllConnections();
        silent.close(() => resolve());
      }),
  );
  const { sleep } = recordingSleep();
  const slow = new VendorApiClient({
    baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    mspcToken: 'dG9rZW4=',
    timeoutMs: 50,
    retry: { attempts: 2 },
    sleep,
  });
  const timedOut = await slow.getOrganization().catch((e: unknown) => e);
  assert.ok(timedOut instanceof GatehouseTimeoutError);
  assert.ok(!(timedOut instanceof GatehouseNetworkError), 'a timeout is not a refused connection: the request may have arrived');
  assert.deepEqual([timedOut.status, timedOut.code, timedOut.attempts], [0, 'TIMEOUT', 2]);

  const closed = await scriptedServer([{ status: 200 }]);
  await closed.close();
  const refused = await new VendorApiClient({ baseUrl: closed.url, mspcToken: 'dG9rZW4=', retry: { attempts: 1 } }).getOrganization().catch((e: unknown) => e);
  assert.ok(refused instanceof GatehouseNetworkError);
  assert.ok(!(refused instanceof GatehouseTimeoutError));
  assert.equal(refused.code, 'NETWORK_ERROR');
});

test('accounts() and services() follow the cursors to the last page', async (t) => {
  const accounts = Array.from({ length: 5 }, (_, i) => ({
    id: `a${i}`,
    vendorAccountId: `acct-${i}`,
    name: `Account ${i}`,
    externalId: null,
    createdAt: '',
    updatedAt: '',
  }));
  const server = await scriptedServer((request) => {
    const url = new URL(request.path, 'http://x');
    const limit = Number(url.searchParams.get('limit') ?? 100);
    const after = url.searchParams.get('after');
    const start = after === null ? 0 : accounts.findIndex((a) => a.vendorAccountId === after) + 1;
    const page = accounts.slice(start, start + limit);
    const nextCursor = start + limit < accounts.length ? page.at(-1)!.vendorAccountId : null;
    return url.pathname.endsWith('/services')
      ? { status: 200, body: { status: 200, services: [], nextCursor: null } }
      : { status: 200, body: { status: 200, accounts: page, nextCursor } };
  });
  t.after(() => server.close());
  const api = new VendorApiClient({ baseUrl: server.url, mspcToken: 'dG9rZW4=' });

  const seen: string[] = [];
  for await (const account of api.accounts({ limit: 2 })) seen.push(account.vendorAccountId);
  assert.deepEqual(
    seen,
    accounts.map((a) => a.vendorAccountId),
  );
  assert.deepEqual(
    server.requests.map((r) => r.path),
    [
      '/api/vendor-api/organization/accounts?limit=2',
      '/api/vendor-api/organization/accounts?limit=2&after=acct-1',
      '/api/vendor-api/organization/accounts?limit=2&after=acct-3',
    ],
  );

  // Breaking out early fetches no further page; `after` starts past a cursor.
  server.requests.length = 0;
  for await (const account of api.accounts({ limit: 2, after: 'acct-0' })) {
    assert.equal(account.vendorAccountId, 'acct-1');
    break;
  }
  assert.deepEqual(
    server.requests.map((r) => r.path),
    ['/api/vendor-api/organization/accounts?limit=2&after=acct-0'],
  );

  const services = [];
  for await (const service of api.services()) services.push(service);
  assert.deepEqual(services, []);
});

test('a cursor that comes back unchanged is an error, not an endless loop', async (t) => {
  const server = await scriptedServer([{ status: 200, body: { status: 200, accounts: [], nextCursor: 'same' } }]);
  t.after(() => server.close());
  const api = new VendorApiClient({ baseUrl: server.url, mspcToken: 'dG9rZW4=' });
  await assert.rejects(async () => {
    for await (const _ of api.accounts()) {
      // Only the paging matters here.
    }
  }, /same cursor twice/);
  assert.equal(server.requests.length, 2);
});

test('every creating OEM call sends an Idempotency-Key, one per call and the same on each retry', async (t) => {
  // Every creating call fails once with 503, then succeeds: two requests per call.
  const seen = new Map<string, number>();
  const { server, gatehouse } = await client(
    t,
    (request) => {
      if (request.path === '/oauth/token') return { status: 200, body: TOKEN };
      const key = `${request.method} ${request.path} ${String(request.headers['idempotency-key'])}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if (seen.get(key) === 1) return { status: 503, body: { status: 503, error: 'SERVICE_UNAVAILABLE', message: 'later' } };
      return {
        status: request.method === 'PATCH' ? 200 : 201,
        body: { ...CREATED, integration: { id: 'i', vendorId: 'vendor-1', integrationKind: 'external' }, partnerApiKey: 'pk' },
      };
    },
    2,
  );
  await gatehouse.createOrganization(ORG);
  await gatehouse.createOrganization(ORG);
  await gatehouse.createUser({ organizationOemToken: 'oem-token', data: { email: 'dana@example.com' } });
  await gatehouse.createSession({ organizationOemToken: 'oem-token' });
  await gatehouse.createIntegration({ organizationId: 'org-1' });
  await gatehouse.createCustomIntegration({ organizationOemToken: 'oem-token', integrationCredentials: { apiKey: 'k' } });
  await gatehouse.createOrganization(ORG, { idempotencyKey: 'enrol-partner-1234' });
  await gatehouse.updateIntegrationCredentials({ organizationOemToken: 'oem-token', integrationCredentials: { apiKey: 'k2' } });

  const calls = server.requests.filter((r) => r.path !== '/oauth/token');
  assert.equal(calls.length, 16);
  for (let i = 0; i < calls.length; i += 2) {
    assert.equal(calls[i].headers['idempotency-key'], calls[i + 1].headers['idempotency-key'], `${calls[i].method} ${calls[i].path}: the retry reuses the key`);
  }
  const posts = calls.filter((r) => r.method === 'POST').map((r) => r.headers['idempotency-key'] as string);
  const distinct = [...new Set(posts)];
  assert.equal(distinct.length, 7, 'each logical call has a key of its own, the two identical createOrganization calls included');
  for (const key of distinct.slice(0, 6)) assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(distinct[6], 'enrol-partner-1234', 'a key the caller passes is sent as it is');
  // Replacing the credentials repeats safely by itself: no key.
  assert.ok(calls.filter((r) => r.method === 'PATCH').every((r) => r.headers['idempotency-key'] === undefined));

  for (const bad of ['', ' padded', 'naïve', 'x'.repeat(256)]) {
    await assert.rejects(gatehouse.createOrganization(ORG, { idempotencyKey: bad }), /printable ASCII/, JSON.stringify(bad));
  }
});

test('a 409 IDEMPOTENCY_KEY_IN_USE is retried: the earlier attempt is still running', async (t) => {
  const { server, gatehouse, waits } = await client(
    t,
    [
      { status: 409, body: { status: 409, error: 'IDEMPOTENCY_KEY_IN_USE', message: 'still running' } },
      { status: 201, body: CREATED },
    ],
    3,
  );
  assert.deepEqual(await gatehouse.createOrganization(ORG), CREATED);
  assert.equal(server.requests.length, 2);
  assert.equal(waits.length, 1);
  assert.equal(server.requests[0].headers['idempotency-key'], server.requests[1].headers['idempotency-key']);
  // Any other 409 is the answer: it exists already.
  const other = await client(t, [{ status: 409, body: { status: 409, error: 'CONFLICT', message: 'exists' } }], 3);
  await assert.rejects(other.gatehouse.createOrganization(ORG), GatehouseConflictError);
  assert.equal(other.server.requests.length, 1);
});

test('every request names the SDK and its version in User-Agent', async (t) => {
  const { server, gatehouse } = await client(t, (request) =>
    request.path === '/oauth/token' ? { status: 200, body: TOKEN } : { status: 200, body: { status: 200, organizationId: 'o', vendors: [] } },
  );
  await gatehouse.listVendors('org-1');
  const { version } = JSON.parse(await readFile(path.join(CLIENT_PACKAGE, 'package.json'), 'utf8'));
  assert.equal(VERSION, version, 'src/version.ts is the package version (the build writes it)');
  assert.equal(USER_AGENT, `gatehouse-client/${version}`);
  assert.equal(server.requests.length, 2);
  for (const request of server.requests) assert.equal(request.headers['user-agent'], USER_AGENT, request.path);
});
