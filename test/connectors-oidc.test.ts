// Connectors against an OAuth server no one here wrote: node-oidc-provider, started in the test as
// the vendor application, with a protected API beside it. A full authorization-code connection
// through its login and consent pages (driven over HTTP), a refusal at its consent, a
// client-credentials connection, refresh, and the proxy to the protected resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import Provider, { type JWKS } from 'oidc-provider';
import { signal } from '../src/db/index.ts';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, bindingCookie, connectClientCredentials, connectLink, createConnector, local, organization, proxy } from './connector-vendors.ts';

const RESOURCE = 'https://api.vendor.example';
const CLIENT = { client_id: 'gatehouse', client_secret: 'oidc-provider-secret-0123456789abcdef' };
let g: TestGatehouse;
let provider: Provider;
let server: http.Server;
let issuer: string;
let refreshes = 0;

before(async () => {
  server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        redirect_uris: ['http://gatehouse.test/oauth2/redirect_url'],
        response_types: ['code'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
        scope: 'openid offline_access api:read',
      },
    ],
    jwks: { keys: [{ ...jwk, kid: 'vendor', alg: 'ES256', use: 'sig' }] } as JWKS,
    scopes: ['openid', 'offline_access', 'api:read'],
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    cookies: { keys: ['vendor-cookie-key'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 3600, RefreshToken: 86400, IdToken: 3600, ClientCredentials: 600 },
    features: {
      clientCredentials: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api:read', accessTokenFormat: 'opaque', accessTokenTTL: 3600 }),
      },
    },
  });
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshes++;
  });
  const oidc = provider.callback();
  server.on('request', (req, res) => {
    if (!req.url?.startsWith('/api/')) return oidc(req, res);
    void protectedResource(req, res);
  });
  g = await startGatehouse(LOOPBACK);
});
after(async () => {
  server.closeAllConnections();
  server.close();
  await g.stop();
});

/** The vendor's API: a Bearer token the provider issued for it, or 401 (RFC 6750 §3). */
async function protectedResource(req: http.IncomingMessage, res: http.ServerResponse) {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const found = (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
  if (!found || found.isExpired || found.aud !== RESOURCE) {
    res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    return;
  }
  const account = 'accountId' in found ? found.accountId : null;
  res
    .writeHead(200, { 'content-type': 'application/json' })
    .end(JSON.stringify({ path: req.url, account, client: found.clientId, scope: found.scope, jti: found.jti }));
}

/** Through the provider's own login and consent pages, as a browser would; the callback URL at the end. */
async function signInAtVendor(start: string, decision: 'approve' | 'abort'): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = start;
  for (let step = 0; step < 20; step++) {
    if (url.startsWith('http://gatehouse.test/')) return url;
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
    keep(res);
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') as string, url).toString();
      continue;
    }
    const page = await res.text();
    const uid = /\/interaction\/([^/?#]+)/.exec(url)?.[1];
    assert.ok(uid, `an interaction page, got ${res.status} at ${url}: ${page.slice(0, 300)}`);
    if (decision === 'abort') {
      url = `${issuer}/interaction/${uid}/abort`;
      continue;
    }
    const form: Record<string, string> = page.includes('name="prompt" value="login"')
      ? { prompt: 'login', login: 'alice', password: 'any' }
      : { prompt: 'consent' };
    const submitted = await fetch(`${issuer}/interaction/${uid}`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(form),
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    });
    keep(submitted);
    url = new URL(submitted.headers.get('location') as string, url).toString();
  }
  throw new Error('the vendor never sent the browser back');
}

const codeConnector = () =>
  createConnector(g, {
    name: 'Vendor (node-oidc-provider)',
    grantType: 'authorization_code',
    authUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    issuer,
    revocationUrl: `${issuer}/token/revocation`,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: ['openid', 'offline_access', 'api:read'],
    apiBaseUrl: `${issuer}/api`,
    // OpenID Connect Core §11: offline_access (a refresh token) is only granted with prompt=consent.
    extra: { auth: { params: { prompt: 'consent' } } },
  });

test("authorization code through the vendor's login and consent, then the proxy, a refresh and a disconnect", async () => {
  const connectorId = await codeConnector();
  const { organizationId } = await organization(g);
  const start = await g.app.inject({ method: 'GET', url: local(await connectLink(g, connectorId, organizationId)) });
  assert.equal(start.statusCode, 303);
  const callback = await signInAtVendor(start.headers.location as string, 'approve');
  assert.equal(new URL(callback).searchParams.get('iss'), issuer, 'the provider names itself (RFC 9207)');
  const done = await g.app.inject({ method: 'GET', url: local(callback), headers: { cookie: bindingCookie(start) } });
  assert.equal(done.statusCode, 200, done.body);
  const id = /data-connection-id="([0-9a-f]+)"/.exec(done.body)?.[1] as string;

  const first = await proxy(g, id, '/me?x=1');
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual([first.json().path, first.json().account, first.json().scope], ['/api/me?x=1', 'alice', 'api:read']);

  // Past expiry: a refresh_token grant at the provider, a new access token, the same account.
  await g.services.storage.db
    .updateTable('connections')
    .set({ expires_at: new Date(Date.now() - 1000) })
    .where('id', '=', id)
    .execute();
  await signal(g.services.storage.db, 'connection', id);
  await new Promise((r) => setTimeout(r, 20));
  const second = await proxy(g, id, '/me');
  assert.equal(second.statusCode, 200, second.body);
  assert.equal(refreshes, 1);
  assert.notEqual(second.json().jti, first.json().jti);
  assert.equal(second.json().account, 'alice');

  const gone = await g.app.inject({
    method: 'DELETE',
    url: `/admin/api/v1/connections/${id}`,
    headers: { authorization: 'Bearer test-admin-token-0123456789' },
  });
  assert.equal(gone.json().revoked, true);
  assert.equal(await provider.AccessToken.find(second.json().jti), undefined, 'revoked at the vendor');
});

test("a refusal at the vendor's consent is shown (403) and nothing is connected", async () => {
  const connectorId = await codeConnector();
  const { organizationId } = await organization(g);
  const start = await g.app.inject({ method: 'GET', url: local(await connectLink(g, connectorId, organizationId)) });
  const callback = await signInAtVendor(start.headers.location as string, 'abort');
  const done = await g.app.inject({ method: 'GET', url: local(callback), headers: { cookie: bindingCookie(start) } });
  assert.equal(done.statusCode, 403);
  assert.match(done.body, /access_denied \(End-User aborted interaction\)/);
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0);
});

test('client credentials with the provider, the proxy, and a refresh after the vendor refuses the token', async () => {
  const connectorId = await createConnector(g, {
    name: 'Vendor machine access',
    grantType: 'client_credentials',
    tokenUrl: `${issuer}/token`,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: ['api:read'],
    apiBaseUrl: `${issuer}/api`,
    extra: { token: { params: { resource: RESOURCE } } },
  });
  const { organizationId } = await organization(g);
  const connection = await connectClientCredentials(g, connectorId, organizationId);
  assert.equal(connection.status, 'active');
  const first = await proxy(g, connection.connection_id, '/things');
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual([first.json().client, first.json().account], [CLIENT.client_id, null]);
  // The provider forgets the token: 401, a new client-credentials token, the call succeeds.
  await (await provider.ClientCredentials.find(first.json().jti))!.destroy();
  const second = await proxy(g, connection.connection_id, '/things');
  assert.equal(second.statusCode, 200, second.body);
  assert.notEqual(second.json().jti, first.json().jti);
});
