// SDK access tokens: one token request for many concurrent callers, reuse until 60 s before
// expiry (by an injected clock), the request shapes of the seeds, and the MSPC_TOKEN format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatehouseClient, mspcToken } from '../packages/client/src/index.ts';
import { scriptedServer, type Recorded, type Reply } from './sdk-server.ts';

const INTEGRATION = {
  integration: { id: 'int-1', vendorId: 'vendor-1', integrationKind: 'external' },
  partnerApiKey: 'partner-key',
  status: 201,
  message: 'Successfully created an integration for an organization',
};

/** Gatehouse in miniature: a token endpoint issuing numbered tokens, and the integration route. */
async function fakeGatehouse(t: import('node:test').TestContext, expiresIn = 3600) {
  let issued = 0;
  const rejected = new Set<string>();
  const server = await scriptedServer((request: Recorded): Reply => {
    if (request.path === '/oauth/token')
      return { status: 200, body: { access_token: `token-${++issued}`, token_type: 'Bearer', expires_in: expiresIn, scope: 'oem:partner_token' } };
    const bearer = String(request.headers.authorization).replace(/^Bearer /, '');
    if (rejected.has(bearer)) return { status: 401, body: { status: 401, error: 'INVALID_TOKEN', message: 'the access token was revoked' } };
    return { status: 201, body: INTEGRATION };
  });
  t.after(() => server.close());
  let now = Date.parse('2030-01-01T00:00:00Z');
  const clock = { advance: (ms: number) => void (now += ms) };
  const client = new GatehouseClient({ baseUrl: server.url, clientId: 'vendor client', clientSecret: 's3cret:+/=', vendorId: 'vendor-1', now: () => now });
  const tokenRequests = () => server.requests.filter((r) => r.path === '/oauth/token');
  const bearers = () => server.requests.filter((r) => r.path !== '/oauth/token').map((r) => r.headers.authorization);
  return { server, client, clock, rejected, tokenRequests, bearers };
}

test('fifty concurrent calls share one token request', async (t) => {
  const { client, tokenRequests, bearers } = await fakeGatehouse(t);
  const results = await Promise.all(Array.from({ length: 50 }, () => client.createIntegration({ organizationId: 'org-1' })));
  assert.equal(results.length, 50);
  assert.equal(tokenRequests().length, 1);
  assert.deepEqual(new Set(bearers()), new Set(['Bearer token-1']));
});

test('the token request: client_credentials, HTTP Basic, scope oem:partner_token', async (t) => {
  const { client, tokenRequests } = await fakeGatehouse(t);
  await client.createIntegration({ organizationId: 'org-1' });
  const [request] = tokenRequests();
  assert.equal(request.method, 'POST');
  assert.equal(request.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(request.body)), { grant_type: 'client_credentials', scope: 'oem:partner_token' });
  // RFC 6749 §2.3.1: each half is form-urlencoded before the Basic encoding.
  const decoded = Buffer.from(String(request.headers.authorization).slice(6), 'base64').toString();
  assert.equal(decoded, 'vendor+client:s3cret%3A%2B%2F%3D');
});

test('a token is reused until 60 s before it expires, then fetched again', async (t) => {
  const { client, clock, tokenRequests, bearers } = await fakeGatehouse(t, 3600);
  await client.createIntegration({ organizationId: 'org-1' });
  clock.advance((3600 - 60) * 1000 - 1);
  await client.createIntegration({ organizationId: 'org-1' });
  assert.equal(tokenRequests().length, 1);
  clock.advance(1);
  await Promise.all([client.createIntegration({ organizationId: 'org-1' }), client.createIntegration({ organizationId: 'org-1' })]);
  assert.equal(tokenRequests().length, 2);
  assert.deepEqual(bearers(), ['Bearer token-1', 'Bearer token-1', 'Bearer token-2', 'Bearer token-2']);
});

test('a short-lived token is kept for half its life', async (t) => {
  const { client, clock, tokenRequests } = await fakeGatehouse(t, 90);
  await client.accessToken('oem:partner_token');
  clock.advance(44_999);
  await client.accessToken('oem:partner_token');
  assert.equal(tokenRequests().length, 1);
  clock.advance(1);
  assert.equal(await client.accessToken('oem:partner_token'), 'token-2');
});

test('a cached token the server rejects is replaced once', async (t) => {
  const { client, rejected, tokenRequests, bearers } = await fakeGatehouse(t);
  await client.createIntegration({ organizationId: 'org-1' });
  rejected.add('token-1');
  await client.createIntegration({ organizationId: 'org-1' });
  assert.equal(tokenRequests().length, 2);
  assert.deepEqual(bearers(), ['Bearer token-1', 'Bearer token-1', 'Bearer token-2']);
});

test('tokens for different scopes are cached apart; requestToken never caches', async (t) => {
  const { client, tokenRequests } = await fakeGatehouse(t);
  await client.accessToken('oem:partner_token');
  await client.accessToken('vendor_manage');
  await client.accessToken('vendor_manage');
  assert.equal(tokenRequests().length, 2);
  const response = await client.requestToken('vendor_manage');
  assert.equal(response.token_type, 'Bearer');
  assert.equal(tokenRequests().length, 3);
});

test('a failed token request is shared by the callers waiting on it, and the next call tries again', async (t) => {
  let calls = 0;
  const server = await scriptedServer(() =>
    ++calls === 1
      ? { status: 401, body: { error: 'invalid_client', error_description: 'client authentication failed' } }
      : { status: 200, body: { access_token: 'ok', token_type: 'Bearer', expires_in: 3600 } },
  );
  t.after(() => server.close());
  const client = new GatehouseClient({ baseUrl: server.url, clientId: 'c', clientSecret: 's' });
  const results = await Promise.allSettled([client.accessToken('x'), client.accessToken('x'), client.accessToken('x')]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected', 'rejected'],
  );
  assert.equal(await client.accessToken('x'), 'ok');
  assert.equal(calls, 2);
});

test('OEM calls send the seed bodies', async (t) => {
  const server = await scriptedServer([{ status: 201, body: {} }]);
  t.after(() => server.close());
  const client = new GatehouseClient({ baseUrl: server.url + '/', clientId: 'cid', clientSecret: 'csecret', vendorId: 'vendor-1' });
  const data = {
    name: 'Wisozk Inc',
    email: 'ansley@example.com',
    firstName: 'Ansley',
    lastName: 'Parisian',
    vendorUserId: '1234',
    vendorOrganizationId: '1234',
  };
  await client.createOrganization(data);
  await client.createSession({ organizationOemToken: 'oem-token' });
  await client.createUser({ organizationOemToken: 'oem-token', data: { email: 'dana@example.com', vendorUserId: 'v-dana', role: 'admin' } });
  await client.createCustomIntegration({ organizationOemToken: 'oem-token', integrationCredentials: { apiKey: 'k' } });
  await client.updateIntegrationCredentials({ organizationOemToken: 'oem-token', vendorId: 'vendor-2', integrationCredentials: { apiKey: 'k2' } });
  const sent = server.requests.map((r) => [r.method, r.path, JSON.parse(r.body)]);
  const credentials = { clientId: 'cid', clientSecret: 'csecret', grantType: 'client_credentials', scope: 'vendor_manage' };
  assert.deepEqual(sent, [
    ['POST', '/api/oem-api/organization', { ...credentials, data }],
    ['POST', '/api/oem-api/organization/session', { ...credentials, organizationOemToken: 'oem-token' }],
    [
      'POST',
      '/api/oem-api/organization/user',
      { ...credentials, organizationOemToken: 'oem-token', data: { email: 'dana@example.com', vendorUserId: 'v-dana', role: 'admin' } },
    ],
    [
      'POST',
      '/api/oem-api/integration',
      { clientId: 'cid', clientSecret: 'csecret', organizationOemToken: 'oem-token', data: { vendorId: 'vendor-1', integrationCredentials: { apiKey: 'k' } } },
    ],
    [
      'PATCH',
      '/api/oem-api/integration',
      { clientId: 'cid', clientSecret: 'csecret', organizationOemToken: 'oem-token', data: { vendorId: 'vendor-2', integrationCredentials: { apiKey: 'k2' } } },
    ],
  ]);
  assert.equal(server.requests[0].headers['content-type'], 'application/json');
});

test('listings are GETs with a vendor_manage Bearer token', async (t) => {
  const server = await scriptedServer((request) =>
    request.path === '/oauth/token'
      ? { status: 200, body: { access_token: 'manage-token', token_type: 'Bearer', expires_in: 3600, scope: 'vendor_manage' } }
      : { status: 200, body: { status: 200, organizationId: 'org/1', vendors: [], integrations: [] } },
  );
  t.after(() => server.close());
  const client = new GatehouseClient({ baseUrl: server.url, clientId: 'c', clientSecret: 's' });
  await client.listVendors('org/1');
  await client.listIntegrations('org/1');
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.path, String(r.headers.authorization).split(' ')[0] === 'Basic' ? 'Basic' : r.headers.authorization]),
    [
      ['POST', '/oauth/token', 'Basic'],
      ['GET', '/api/oem-api/organization/org%2F1/vendors', 'Bearer manage-token'],
      ['GET', '/api/oem-api/organization/org%2F1/integrations', 'Bearer manage-token'],
    ],
  );
  assert.equal(new URLSearchParams(server.requests[0].body).get('scope'), 'vendor_manage');
});

test('mspcToken is base64(vendorApiKey + ":" + partnerApiKey), as seed 001 builds it', () => {
  assert.equal(mspcToken('vendor-key', 'partner-key'), Buffer.from('vendor-key:partner-key', 'utf-8').toString('base64'));
  assert.equal(mspcToken('vk_AbC+/=', 'pk_ñé'), Buffer.from('vk_AbC+/=:pk_ñé', 'utf-8').toString('base64'));
  assert.throws(() => mspcToken('', 'partner-key'), TypeError);
});

test('the Vendor API sends the MSPC_TOKEN as a Bearer token', async (t) => {
  const server = await scriptedServer([{ status: 200, body: { id: 'org-1', name: 'Wisozk Inc' } }]);
  t.after(() => server.close());
  const client = new GatehouseClient({ baseUrl: server.url, clientId: 'c', clientSecret: 's', vendorApiKey: 'vendor-key' });
  const api = client.vendorApi('partner-key');
  await api.getOrganization();
  await api.createAccount({ vendorAccountId: 'acct-1', name: 'Acme', externalId: 'x-1' });
  await api.setStatus('active');
  assert.deepEqual(
    server.requests.map((r) => [r.method, r.path, r.body]),
    [
      ['GET', '/api/vendor-api/organization', ''],
      ['POST', '/api/vendor-api/organization/accounts', JSON.stringify({ vendorAccountId: 'acct-1', name: 'Acme', externalId: 'x-1' })],
      ['PATCH', '/api/vendor-api/status', JSON.stringify({ status: 'active' })],
    ],
  );
  for (const r of server.requests) assert.equal(r.headers.authorization, `Bearer ${mspcToken('vendor-key', 'partner-key')}`);
});
