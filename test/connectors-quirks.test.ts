// Connectors against small vendors with the quirks real ones have: JSON token bodies, Basic versus
// body client authentication, comma and plus scopes, the token in the query, a custom header
// prefix, expiry in milliseconds or as an absolute time, form-encoded token answers, refreshes
// without a refresh token. Then refresh on 401, broken connections, disconnect with revocation,
// and what the proxy forwards and refuses.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Gatehouse } from '../src/app.ts';
import { signal } from '../src/db/index.ts';
import { targetOf } from '../src/connectors/proxy/target.ts';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { accessToken, createOrganization, createVendor, organizationData } from './oem-helpers.ts';
import { Browser, PASSWORD, csrfOf } from './interactive-helpers.ts';
import {
  LOOPBACK,
  bindingCookie,
  connectClientCredentials,
  connectLink,
  createConnector,
  definition,
  local,
  organization,
  proxy,
  startVendor,
  type QuirkyVendor,
} from './connector-vendors.ts';

let g: TestGatehouse;
const vendors: QuirkyVendor[] = [];

before(async () => {
  g = await startGatehouse(LOOPBACK);
});
after(async () => {
  for (const v of vendors) await v.close();
  await g.stop();
});

async function vendor(options: Parameters<typeof startVendor>[0] = {}) {
  const v = await startVendor(options);
  vendors.push(v);
  return v;
}

/** Move a token's expiry, and tell every instance (their cached copy goes). */
async function expire(id: string, at = new Date(Date.now() - 1000)) {
  await g.services.storage.db.updateTable('connections').set({ expires_at: at }).where('id', '=', id).execute();
  await signal(g.services.storage.db, 'connection', id);
  await new Promise((r) => setTimeout(r, 20));
}

async function events(type: string, connectionId: string) {
  const rows = await g.services.storage.db.selectFrom('outbox_events').select(['payload']).where('type', '=', type).orderBy('created_at').execute();
  return rows.map((r) => r.payload).filter((p) => p.data.connectionId === connectionId);
}

/** Connect through the browser: the connect URL, the vendor's authorize answer, the callback. */
async function connectInBrowser(gh: Gatehouse, connectUrl: string, cookie = '') {
  const start = await gh.app.inject({ method: 'GET', url: connectUrl, headers: cookie ? { cookie } : {} });
  assert.equal(start.statusCode, 303, start.body);
  const authorizeUrl = new URL(start.headers.location as string);
  const back = await fetch(authorizeUrl, { redirect: 'manual' });
  const callback = back.headers.get('location') as string;
  const binding = bindingCookie(start);
  const done = await gh.app.inject({ method: 'GET', url: local(callback), headers: { cookie: binding } });
  return { start, authorizeUrl, callback, binding, done };
}

test('client credentials with a JSON body, body client authentication, comma scopes, the token in the query, expiry in milliseconds', async () => {
  const v = await vendor({
    placement: { in: 'query', name: 'api_key' },
    onToken: (_call, self) => ({ body: { data: { token: self.issue(), ttl: 7_200_000 } } }),
  });
  const connectorId = await createConnector(
    g,
    definition(v, {
      bodyFormat: 'json',
      clientAuthentication: 'body',
      scopes: ['read', 'write'],
      scopeSeparator: 'comma',
      tokenPlacement: 'query',
      tokenParam: 'api_key',
      tokenResponse: { accessToken: 'data.token', expiresIn: 'data.ttl', expiresInUnit: 'milliseconds' },
      extra: { token: { headers: { 'X-Tenant': 't1' }, params: { audience: 'api' } } },
    }),
  );
  const { organizationId } = await organization(g);
  const connection = await connectClientCredentials(g, connectorId, organizationId);
  assert.equal(connection.status, 'active');
  const lifetime = Date.parse(connection.expires_at as string) - Date.now();
  assert.ok(lifetime > 7_100_000 && lifetime <= 7_200_000, `expiry two hours away, got ${lifetime} ms`);

  const [call] = v.tokenCalls;
  assert.match(String(call.headers['content-type']), /^application\/json/);
  assert.equal(call.headers.authorization, undefined);
  assert.equal(call.headers['x-tenant'], 't1');
  assert.deepEqual(call.params, {
    audience: 'api',
    grant_type: 'client_credentials',
    scope: 'read,write',
    client_id: 'gatehouse-client',
    client_secret: 'vendor secret: ä+&=',
  });

  const res = await proxy(g, connection.connection_id, '/v1/items?page=2&api_key=chosen-by-caller');
  assert.equal(res.statusCode, 200, res.body);
  const echo = res.json();
  assert.deepEqual([echo.path, echo.query, echo.grant], ['/api/v1/items', { page: '2' }, 1]);
  assert.equal(res.headers['x-vendor'], 'yes');
  assert.equal(res.headers['set-cookie'], undefined, "the vendor's cookies stay with the vendor");
  assert.equal(res.headers['x-hop'], undefined, 'a header named by Connection is hop-by-hop');
  assert.match(String(res.headers['content-security-policy']), /sandbox/);
  assert.ok(![...v.valid].some((t) => res.body.includes(t) || JSON.stringify(res.headers).includes(t)), 'the token never reaches the caller');
});

test('authorization code with Basic authentication, plus scopes, PKCE, a form-encoded answer, a custom header prefix, absolute expiry and refreshes without a refresh token', async () => {
  const v = await vendor({
    placement: { in: 'header', name: 'authorization', prefix: 'Token' },
    onToken: (call, self) =>
      call.path === '/token'
        ? { form: true, body: { access_token: self.issue(), refresh_token: 'rt-first', expires_at: String(Math.floor(Date.now() / 1000) + 3600) } }
        : { body: { access_token: self.issue(), expires_at: Math.floor(Date.now() / 1000) + 3600 } },
  });
  const connectorId = await createConnector(
    g,
    definition(v, {
      grantType: 'authorization_code',
      authUrl: `${v.url}/authorize?tenant=acme`,
      refreshUrl: `${v.url}/refresh`,
      scopes: ['files.read', 'files.write'],
      scopeSeparator: 'plus',
      headerPrefix: 'Token',
      tokenResponse: { expiresAt: 'expires_at' },
      extra: { auth: { params: { audience: 'files' } }, refresh: { headers: { 'X-Refresh': 'yes' }, params: { tenant: 'acme' } } },
    }),
  );
  const { organizationId } = await organization(g);
  const { authorizeUrl, done, callback, binding } = await connectInBrowser(g, local(await connectLink(g, connectorId, organizationId)));
  assert.equal(done.statusCode, 200, done.body);
  assert.match(done.body, /Connected to Quirky/);

  // The authorization request: scopes joined by literal plus signs, PKCE S256, the fixed redirect URI.
  assert.match(authorizeUrl.search, /^\?tenant=acme&audience=files&response_type=code&/);
  assert.match(authorizeUrl.search, /&scope=files\.read\+files\.write&/);
  const q = authorizeUrl.searchParams;
  assert.equal(q.get('redirect_uri'), 'http://gatehouse.test/oauth2/redirect_url');
  assert.equal(q.get('code_challenge_method'), 'S256');
  const [exchange] = v.tokenCalls;
  assert.equal(createHash('sha256').update(exchange.params.code_verifier).digest('base64url'), q.get('code_challenge'));
  assert.equal(exchange.params.grant_type, 'authorization_code');
  assert.equal(exchange.params.redirect_uri, 'http://gatehouse.test/oauth2/redirect_url');
  assert.equal(exchange.params.client_secret, undefined);
  // RFC 6749 §2.3.1: id and secret are form-encoded, then joined and base64-encoded.
  const basic = Buffer.from(String(exchange.headers.authorization).replace(/^Basic /, ''), 'base64').toString();
  assert.equal(basic, 'gatehouse-client:vendor+secret%3A+%C3%A4%2B%26%3D');

  const connectionId = (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connections?connector_id=${connectorId}`, headers: admin })).json()
    .connections[0].connection_id;
  assert.equal((await proxy(g, connectionId, '/me')).json().grant, 1);

  // Within the margin (300 s by default): refreshed before use, at refreshUrl with extra.refresh.
  await expire(connectionId, new Date(Date.now() + 60_000));
  assert.equal((await proxy(g, connectionId, '/me')).json().grant, 2);
  const refresh = v.tokenCalls[1];
  assert.deepEqual(
    [refresh.path, refresh.params.grant_type, refresh.params.refresh_token, refresh.params.tenant, refresh.headers['x-refresh']],
    ['/refresh', 'refresh_token', 'rt-first', 'acme', 'yes'],
  );
  // The vendor sent no new refresh token: the old one is used again.
  await expire(connectionId);
  assert.equal((await proxy(g, connectionId, '/me')).json().grant, 3);
  assert.equal(v.tokenCalls[2].params.refresh_token, 'rt-first');

  // The state is single use, and bound to the browser that started.
  const replay = await g.app.inject({ method: 'GET', url: local(callback), headers: { cookie: binding } });
  assert.equal(replay.statusCode, 400);
  assert.match(replay.body, /already completed/);
  const again = await g.app.inject({ method: 'GET', url: local(await connectLink(g, connectorId, organizationId)) });
  const back = await fetch(again.headers.location as string, { redirect: 'manual' });
  const stranger = await g.app.inject({ method: 'GET', url: local(back.headers.get('location') as string), headers: { cookie: 'gh_connect=someone-else' } });
  assert.equal(stranger.statusCode, 400);
  assert.match(stranger.body, /another browser/);
});

test('errors from the vendor are shown and recorded; a used connect link is refused', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v, { grantType: 'authorization_code', authUrl: `${v.url}/authorize` }));
  const { organizationId } = await organization(g);
  v.authorizeError = 'access_denied';
  const link = local(await connectLink(g, connectorId, organizationId));
  const { done } = await connectInBrowser(g, link);
  assert.equal(done.statusCode, 403);
  assert.match(String(done.headers['content-type']), /text\/html/);
  assert.match(done.body, /Could not connect Quirky/);
  assert.match(done.body, /access_denied/);
  const audit = await g.services.audit.list({ action: 'connection.authorization_failed' });
  assert.ok(audit.some((e) => e.details.error === 'access_denied' && e.details.organization_id === organizationId));
  const reused = await g.app.inject({ method: 'GET', url: link });
  assert.equal(reused.statusCode, 400);
  assert.match(reused.body, /expired or was already used/);

  // A code the token endpoint refuses: the page says why, nothing is stored.
  v.authorizeError = undefined;
  v.onToken = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } });
  const refused = await connectInBrowser(g, local(await connectLink(g, connectorId, organizationId)));
  assert.equal(refused.done.statusCode, 502);
  assert.match(refused.done.body, /invalid_grant: code expired/);
  assert.equal(
    (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connections?organization_id=${organizationId}`, headers: admin })).json().connections.length,
    0,
  );

  // A connector that knows its vendor's issuer refuses an answer that does not name it (RFC 9207).
  await g.app.inject({ method: 'PATCH', url: `/admin/api/v1/connectors/${connectorId}`, headers: admin, payload: { issuer: 'https://vendor.example' } });
  v.onToken = (_c, self) => ({ body: { access_token: self.issue() } });
  const mixedUp = await connectInBrowser(g, local(await connectLink(g, connectorId, organizationId)));
  assert.equal(mixedUp.done.statusCode, 400);
  assert.match(mixedUp.done.body, /not from https:\/\/vendor\.example/);
  assert.equal(v.tokenCalls.length, 1, 'the code is not exchanged');
});

test('a 401 from the vendor: refresh and retry once; a second 401 is passed on', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  v.valid.clear(); // the vendor forgets the token early
  const res = await proxy(g, id, '/things');
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().grant, 2);
  assert.equal(v.tokenCalls.length, 2);
  v.onApi = (_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' }).end('{"error":"nope"}');
    return true;
  };
  const denied = await proxy(g, id, '/things');
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.headers['www-authenticate'], undefined, "the vendor's challenge is not Gatehouse's");
  assert.equal(v.tokenCalls.length, 3, 'one refresh, one retry');
});

test('repeated refresh failures break the connection with connection.refresh_failed; connecting again heals it', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  v.onToken = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
  await expire(id);
  for (let i = 1; i <= 3; i++) {
    const res = await proxy(g, id, '/x');
    assert.equal(res.statusCode, 502, res.body);
    assert.equal(res.json().error.code, 'vendor_token_error');
  }
  const broken = (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connections/${id}`, headers: admin })).json();
  assert.deepEqual([broken.status, broken.refresh_failures], ['broken', 3]);
  assert.match(broken.last_error, /temporarily_unavailable/);
  const [event] = await events('connection.refresh_failed', id);
  assert.equal(event.data.failures, 3);
  assert.equal(event.data.connectorId, connectorId);
  const refused = await proxy(g, id, '/x');
  assert.deepEqual([refused.statusCode, refused.json().error.code], [409, 'connection_broken']);
  assert.equal(v.tokenCalls.length, 4, 'a broken connection does not call the vendor');

  v.onToken = (_c, self) => ({ body: { access_token: self.issue(), expires_in: 3600 } });
  const healed = await connectClientCredentials(g, connectorId, organizationId);
  assert.deepEqual([healed.connection_id, healed.status], [id, 'active']);
  assert.equal((await proxy(g, id, '/x')).statusCode, 200);
  const created = await events('connection.created', id);
  assert.deepEqual(
    created.map((e) => e.data.reconnected),
    [false, true],
  );
});

test('a refused grant breaks the connection at once', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v, { grantType: 'authorization_code', authUrl: `${v.url}/authorize` }));
  const { organizationId } = await organization(g);
  await connectInBrowser(g, local(await connectLink(g, connectorId, organizationId)));
  const [row] = await g.services.connectors.connections.list({ organizationId });
  v.onToken = () => ({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token revoked' } });
  await expire(row.id);
  assert.equal((await proxy(g, row.id, '/x')).statusCode, 502);
  assert.equal((await g.services.connectors.connections.get(row.id)).status, 'broken');
});

test('disconnect revokes at the vendor and emits connection.deleted; a connector in use cannot be deleted', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v, { revocationUrl: `${v.url}/revoke` }));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  const inUse = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/connectors/${connectorId}`, headers: admin });
  assert.equal(inUse.statusCode, 409);
  const res = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/connections/${id}`, headers: admin });
  assert.deepEqual(res.json(), { connection_id: id, deleted: true, revoked: true });
  assert.deepEqual(
    v.revokeCalls.map((c) => c.params.token_type_hint),
    ['refresh_token', 'access_token'],
  );
  assert.match(String(v.revokeCalls[0].headers.authorization), /^Basic /);
  assert.equal(v.valid.size, 0);
  assert.equal((await events('connection.deleted', id)).length, 1);
  assert.equal((await proxy(g, id, '/x')).statusCode, 404);
  assert.equal((await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/connectors/${connectorId}`, headers: admin })).statusCode, 204);
});

test('the proxy forwards method, body and safe headers, drops hop-by-hop and credentials, refuses dot segments, times out', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v, { timeoutMs: 300 }));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  const res = await proxy(g, id, '/v2/items/a%2Fb?x=1&x=2', {
    method: 'PATCH',
    payload: '{"name":"n"}',
    headers: {
      'content-type': 'application/json',
      'x-custom': 'kept',
      cookie: 'gh_session=secret',
      connection: 'x-private',
      'x-private': 'hop',
      'x-forwarded-for': '1.2.3.4',
      te: 'trailers',
    },
  });
  assert.equal(res.statusCode, 200, res.body);
  const echo = res.json();
  assert.deepEqual([echo.method, echo.path, echo.body, echo.query], ['PATCH', '/api/v2/items/a%2Fb', '{"name":"n"}', { x: '2' }]);
  assert.equal(echo.headers['x-custom'], 'kept');
  assert.equal(echo.headers['content-type'], 'application/json');
  for (const h of ['cookie', 'x-private', 'x-forwarded-for', 'te']) assert.equal(echo.headers[h], undefined, `${h} is not forwarded`);

  // (inject() normalises %2e%2e away like a browser would; the raw form is checked directly.)
  const { definition: d } = await g.services.connectors.connectors.get(connectorId);
  assert.throws(() => targetOf(d, '/v2/%2e%2e/admin', 't'), /dot segments/);
  assert.throws(() => targetOf(d, '/v2/%2E./admin', 't'), /dot segments/);
  assert.equal((await proxy(g, id, '/v2/..%2Fadmin')).statusCode, 400);
  assert.equal((await g.app.inject({ method: 'GET', url: `/api/connections/${id}/proxy/x` })).statusCode, 401);
  assert.equal((await proxy(g, 'nope', '/x')).statusCode, 404);

  v.onApi = (req, response) => {
    if (!req.url?.includes('slow')) return false;
    setTimeout(() => response.end('late'), 1000);
    return true;
  };
  const slow = await proxy(g, id, '/slow');
  assert.deepEqual([slow.statusCode, slow.json().error.code], [504, 'upstream_timeout']);

  const elsewhere = await createConnector(g, definition(v, { apiBaseUrl: 'http://10.0.0.1/api' }));
  const { connection_id: guarded } = await connectClientCredentials(g, elsewhere, organizationId);
  const refused = await proxy(g, guarded, '/x');
  assert.deepEqual([refused.statusCode, refused.json().error.code], [400, 'target_refused']);
});

test("the organization's vendor, its sessions and links; other vendors see nothing", async () => {
  const v = await vendor();
  const cc = await createConnector(g, definition(v));
  const code = await createConnector(g, definition(v, { grantType: 'authorization_code', authUrl: `${v.url}/authorize` }));
  const owner = await createVendor(g, 'Session Vendor');
  const data = organizationData();
  const t = { organizationId: (await createOrganization(g, owner, data)).organizationId, email: data.email as string, password: PASSWORD };
  await g.services.accounts.setPassword((await g.services.organizations.users(t.organizationId))[0].id, PASSWORD);
  const { connection_id: id } = await connectClientCredentials(g, cc, t.organizationId);
  const token = await accessToken(g, owner, 'vendor_manage');
  assert.equal((await proxy(g, id, '/x', { headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
  const other = await organization(g);
  const otherToken = await accessToken(g, other.vendor, 'vendor_manage');
  assert.equal((await proxy(g, id, '/x', { headers: { authorization: `Bearer ${otherToken}` } })).statusCode, 404);

  // The vendor creates a connect link for its own organization only.
  const linkFor = (bearer: string, organizationId: string) =>
    g.app.inject({
      method: 'POST',
      url: `/api/connectors/${code}/connect-links`,
      headers: { authorization: `Bearer ${bearer}` },
      payload: { organization_id: organizationId },
    });
  const link = await linkFor(token, t.organizationId);
  assert.equal(link.statusCode, 201, link.body);
  assert.match(link.json().url, /^http:\/\/gatehouse\.test\/connectors\/[0-9a-f]+\/connect\?link=ghc_/);
  assert.equal((await linkFor(otherToken, t.organizationId)).statusCode, 404);

  // A signed-in organization admin: the proxy, the dashboard section, connect and disconnect.
  const browser = new Browser(g);
  await browser.login(t.email, t.password);
  const viaSession = await g.app.inject({
    method: 'GET',
    url: `/api/connections/${id}/proxy/x`,
    headers: { cookie: browser.cookie, 'sec-fetch-site': 'same-origin' },
  });
  assert.equal(viaSession.statusCode, 200);
  const crossSite = await g.app.inject({
    method: 'GET',
    url: `/api/connections/${id}/proxy/x`,
    headers: { cookie: browser.cookie, 'sec-fetch-site': 'cross-site' },
  });
  assert.equal(crossSite.statusCode, 403);
  const dashboard = await browser.get('/dashboard');
  assert.match(dashboard.body, new RegExp(`data-connection-id="${id}"`));
  assert.match(dashboard.body, new RegExp(`href="/connectors/${code}/connect"`));
  const { done } = await connectInBrowser(g, `/connectors/${code}/connect`, browser.cookie);
  assert.equal(done.statusCode, 200, done.body);
  assert.match(done.body, /Back to the dashboard/);
  const page = await browser.get('/dashboard');
  const gone = await browser.post(`/dashboard/connections/${id}/disconnect`, { csrf: csrfOf(page.body) });
  assert.equal(gone.statusCode, 303);
  assert.equal(await g.services.connectors.connections.find(id), undefined);
  const forged = await browser.post(`/dashboard/connections/${id}/disconnect`, { csrf: 'forged' });
  assert.equal(forged.statusCode, 403);
});

test('many calls with an expired token on one instance: one refresh', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  const first = v.onToken;
  v.onToken = (call, self) => ({ ...first(call, self), delayMs: 100 });
  await expire(id);
  const replies = await Promise.all(Array.from({ length: 50 }, () => proxy(g, id, '/x')));
  assert.deepEqual([...new Set(replies.map((r) => r.statusCode))], [200]);
  assert.equal(v.tokenCalls.length, 2);
});

test('fencing: a refresh that lost the race does not overwrite a newer token', async () => {
  const v = await vendor();
  const connectorId = await createConnector(g, definition(v));
  const { organizationId } = await organization(g);
  const { connection_id: id } = await connectClientCredentials(g, connectorId, organizationId);
  const { credentials, connections, connectors } = g.services.connectors;
  const seen = (await connections.get(id)).version;
  const normal = v.onToken;
  v.onToken = (call, self) => ({ ...normal(call, self), delayMs: 300 });
  const slow = credentials.refresh(id, seen, 'requested');
  await new Promise((r) => setTimeout(r, 100));
  // Meanwhile the organization reconnects (a newer token, the version moves on).
  await connections.save(await connectors.get(connectorId), organizationId, {
    accessToken: 'from-the-reconnect',
    refreshToken: undefined,
    tokenType: undefined,
    scope: undefined,
    expiresAt: null,
  });
  const live = await slow;
  assert.equal(live.accessToken, 'from-the-reconnect', 'the late refresh result is discarded');
  const row = await connections.get(id);
  assert.deepEqual([connections.open(row.access_token), row.version], ['from-the-reconnect', seen + 1]);
});
