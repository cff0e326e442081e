// Reproduces: the connector proxy forwarded any method the caller sent (TRACE included) to the
// vendor's API, and any signed-in organization member could send writes through it. Now it
// forwards only the connector's proxyMethods (default GET, POST, PUT, PATCH, DELETE; TRACE and
// CONNECT never), and a member who is not an admin is limited to memberMethods (safe by default).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, PASSWORD } from './interactive-helpers.ts';
import { LOOPBACK, connectClientCredentials, createConnector, definition, organization, proxy, startVendor, type QuirkyVendor } from './connector-vendors.ts';

let g: TestGatehouse;
let vendor: QuirkyVendor;
const apiCalls: string[] = [];
before(async () => {
  g = await startGatehouse(LOOPBACK);
  vendor = await startVendor();
  vendor.onApi = (req) => {
    apiCalls.push(String(req.method));
    return false;
  };
});
after(async () => {
  await g.stop();
  await vendor.close();
});

test('the default list: GET, POST, PUT, PATCH, DELETE are forwarded; TRACE, CONNECT, HEAD, OPTIONS and others answer 405 with Allow and never reach the vendor', async () => {
  const connector = await createConnector(g, definition(vendor));
  const { organizationId } = await organization(g);
  const { connection_id } = await connectClientCredentials(g, connector, organizationId);
  for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
    const res = await proxy(g, connection_id, '/items', {
      method,
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}', headers: { 'content-type': 'application/json' } }),
    });
    assert.equal(res.statusCode, 200, `${method}: ${res.body}`);
    assert.equal(res.json().method, method);
  }
  apiCalls.length = 0;
  for (const method of ['TRACE', 'CONNECT', 'HEAD', 'OPTIONS', 'PROPFIND', 'MKCOL']) {
    const res = await proxy(g, connection_id, '/items', { method });
    assert.ok(res.statusCode === 405 || res.statusCode === 404 || res.statusCode === 400, `${method}: ${res.statusCode} ${res.body}`);
    if (res.statusCode === 405) assert.equal(res.headers.allow, 'GET, POST, PUT, PATCH, DELETE');
  }
  const trace = await proxy(g, connection_id, '/items', { method: 'TRACE' });
  assert.notEqual(trace.statusCode, 200);
  assert.deepEqual(apiCalls, [], 'the vendor saw none of them');
});

test('proxyMethods and memberMethods are connector fields: TRACE or CONNECT are refused with 400, memberMethods must be within proxyMethods', async () => {
  const post = (body: Record<string, unknown>) =>
    g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload: definition(vendor, body) });
  for (const proxyMethods of [['GET', 'TRACE'], ['CONNECT'], [], ['get']]) {
    const res = await post({ proxyMethods });
    assert.equal(res.statusCode, 400, JSON.stringify(proxyMethods));
    assert.match(res.json().error.message, /proxyMethods/);
  }
  const beyond = await post({ proxyMethods: ['GET'], memberMethods: ['GET', 'POST'] });
  assert.equal(beyond.statusCode, 400);
  assert.match(beyond.json().error.message, /memberMethods.*POST/);
  const ok = await post({ proxyMethods: ['GET', 'HEAD'], memberMethods: ['GET'] });
  assert.equal(ok.statusCode, 201, ok.body);
  assert.deepEqual(ok.json().proxyMethods, ['GET', 'HEAD']);
  assert.deepEqual(ok.json().memberMethods, ['GET']);
  const defaults = await post({});
  assert.deepEqual(defaults.json().proxyMethods, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
  assert.deepEqual(defaults.json().memberMethods, ['GET', 'HEAD', 'OPTIONS']);
});

test('an organization member who is not an admin may only read through the proxy, unless the connector allows more; admins may write', async () => {
  const connector = await createConnector(g, definition(vendor));
  const { organizationId } = await organization(g);
  const { connection_id } = await connectClientCredentials(g, connector, organizationId);
  const signIn = async (user: { id: string; email: string }) => {
    await g.services.accounts.setPassword(user.id, PASSWORD);
    const browser = new Browser(g);
    assert.equal((await browser.login(user.email, PASSWORD)).statusCode, 303);
    return (method: string) =>
      g.app.inject({
        method: method as 'GET',
        url: `/api/connections/${connection_id}/proxy/items`,
        headers: { cookie: browser.cookie, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { payload: '{}' }),
      });
  };
  const plain = await g.services.storage.db
    .insertInto('users')
    .values({ id: `proxy-member-${organizationId}`, organization_id: organizationId, email: `member.${organizationId}@example.com`, role: 'member' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const owner = (await g.services.organizations.users(organizationId)).find((u) => u.role === 'owner')!;
  const member = await signIn(plain);
  const orgAdmin = await signIn(owner);
  assert.equal((await member('GET')).statusCode, 200);
  apiCalls.length = 0;
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    const res = await member(method);
    assert.equal(res.statusCode, 403, `${method}: ${res.body}`);
    assert.match(res.json().error.message, /members who are not admins may use only GET, HEAD, OPTIONS/);
  }
  assert.deepEqual(apiCalls, [], 'no write reached the vendor');
  for (const method of ['POST', 'DELETE']) assert.equal((await orgAdmin(method)).statusCode, 200, method);

  const patched = await g.app.inject({
    method: 'PATCH',
    url: `/admin/api/v1/connectors/${connector}`,
    headers: admin,
    payload: { memberMethods: ['GET', 'POST'] },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.equal((await member('POST')).statusCode, 200, 'the connector lets members post');
  assert.equal((await member('DELETE')).statusCode, 403);
});
