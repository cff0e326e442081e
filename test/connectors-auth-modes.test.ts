// Connectors for the tools MSPs run, against loopback vendors that each accept only their own
// style: Basic with a composed user name and a header from config (ConnectWise style), three key
// headers on a per-zone host (Autotask style), `Authorization: ApiToken` (SentinelOne style), a
// token exchange with a nested answer (N-central style), a tenant in the token URL's path, a value
// lifted from the token response into the config; verify calls, bad settings, unresolved
// placeholders, the address policy, events, and secrets kept out of logs, answers and the database.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { createLogger } from '../src/logger.ts';
import { ADMIN_TOKEN, admin, createTestDatabase, testConfig } from './helpers.ts';
import { LOOPBACK, createConnector, organization, proxy } from './connector-vendors.ts';
import { startMock, startTokenExchangeVendor, type MockVendor, type TokenExchangeVendor } from './msp-vendors.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let g: Gatehouse;
let drop: () => Promise<void>;
let url: string;
let log = '';
const secrets: string[] = [];
const secret = (label: string) => {
  const value = `${label}-${randomBytes(10).toString('hex')}`;
  secrets.push(value);
  return value;
};
const mocks: MockVendor[] = [];

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  const stream = new Writable({
    write(chunk, _encoding, done) {
      log += chunk.toString();
      done();
    },
  });
  g = await buildApp(testConfig({ ...LOOPBACK, LOG_LEVEL: 'debug' }, database.url), { logger: createLogger('debug', stream) });
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(g.app.server.address() as { port: number }).port}`;
});
after(async () => {
  await Promise.all(mocks.map((m) => m.close()));
  await g.close();
  await drop();
});

async function mock(...args: Parameters<typeof startMock>): Promise<MockVendor> {
  const m = await startMock(...args);
  mocks.push(m);
  return m;
}

const connect = (payload: Record<string, unknown>) => g.app.inject({ method: 'POST', url: '/admin/api/v1/connections', headers: admin, payload });
const patch = (id: string, payload: Record<string, unknown>) =>
  g.app.inject({ method: 'PATCH', url: `/admin/api/v1/connections/${id}`, headers: admin, payload });

async function events(type: string, connectionId: string) {
  const rows = await g.services.storage.db.selectFrom('outbox_events').select(['payload']).where('type', '=', type).orderBy('created_at').execute();
  return rows.map((r) => r.payload as { data: Record<string, unknown> }).filter((p) => p.data.connectionId === connectionId);
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: { ...process.env, GATEHOUSE_URL: url, GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** No request any mock received carried an unfilled placeholder. */
function noLiteralPlaceholders(): void {
  for (const m of mocks) for (const s of m.seen) assert.ok(!JSON.stringify(s).includes('${'), `a request with a literal placeholder: ${JSON.stringify(s)}`);
}

test('ConnectWise style: Basic with companyId+publicKey and a clientId header from config; verify refuses wrong keys', async () => {
  const clientId = randomUUID();
  const publicKey = secret('pub');
  const privateKey = secret('priv');
  const good = `Basic ${Buffer.from(`acme+${publicKey}:${privateKey}`).toString('base64')}`;
  const vendor = await mock((req) => {
    if (req.headers.authorization !== good || req.headers.clientid !== clientId) return undefined;
    if (!req.url.startsWith('/v4_6_release/apis/3.0/')) return [404, { code: 'NotFound' }];
    return [200, { path: req.url }];
  });
  const connectorId = await createConnector(g, {
    name: 'ConnectWise PSA',
    authMode: 'basic',
    apiBaseUrl: `http://\${connectionConfig.site}:${vendor.port}/v4_6_release/apis/3.0`,
    connectionConfig: [
      { name: 'site', title: 'Site', type: 'string', format: 'hostname' },
      { name: 'companyId', title: 'Company ID', type: 'string', pattern: '^[A-Za-z0-9_]+$' },
      { name: 'clientId', title: 'Client ID', type: 'string', format: 'uuid' },
    ],
    credentials: [
      { name: 'publicKey', title: 'Public key', secret: false },
      { name: 'privateKey', title: 'Private key' },
    ],
    basic: { username: '${connectionConfig.companyId}+${credentials.publicKey}', password: '${credentials.privateKey}' },
    proxyHeaders: { clientId: '${connectionConfig.clientId}' },
    verify: { method: 'GET', path: '/system/info' },
  });
  const { organizationId } = await organization(g);
  const config = { site: '127.0.0.1', companyId: 'acme', clientId };

  const wrong = secret('wrong');
  const refused = await connect({ connector_id: connectorId, organization_id: organizationId, config, credentials: { publicKey, privateKey: wrong } });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.json().error.message, /^the vendor refused these credentials: HTTP 401: /);
  assert.ok(!refused.body.includes(wrong) && !refused.body.includes(publicKey), 'the excerpt has the credentials blanked out');
  assert.match(refused.json().error.message, /\[redacted\]|not accepted/);
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0, 'nothing stored');

  const created = await connect({ connector_id: connectorId, organization_id: organizationId, config, credentials: { publicKey, privateKey } });
  assert.equal(created.statusCode, 201, created.body);
  const connection = created.json();
  assert.equal(connection.status, 'active');
  assert.deepEqual(connection.config, config);
  assert.equal(connection.credentials, undefined);
  assert.equal(vendor.seen.at(-1)?.url, '/v4_6_release/apis/3.0/system/info', 'verified with the vendor');

  const res = await proxy(g, connection.connection_id, '/company/companies?pageSize=5', { headers: { ...admin, clientid: 'caller' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().path, '/v4_6_release/apis/3.0/company/companies?pageSize=5');
  assert.equal((await events('connection.created', connection.connection_id)).length, 1);
});

test('Autotask style from the CLI: three key headers on a per-zone host; update re-verifies', async () => {
  const code = secret('code');
  const user = 'api@acme.example';
  let key = secret('key');
  const vendor = await mock((req) => {
    if (req.headers.apiintegrationcode !== code || req.headers.username !== user || req.headers.secret !== key) return undefined;
    return [200, { items: [], path: req.url }];
  });
  const connectorId = await createConnector(g, {
    name: 'Autotask',
    authMode: 'api_key',
    apiBaseUrl: `http://\${connectionConfig.zone}:${vendor.port}/atservicesrest/v1.0`,
    connectionConfig: [
      { name: 'zone', title: 'Zone host', type: 'string', enum: ['127.0.0.1', 'webservices2.autotask.net'] },
      { name: 'userName', title: 'API user', type: 'string', format: 'email' },
    ],
    credentials: [
      { name: 'integrationCode', title: 'Tracking identifier' },
      { name: 'secret', title: 'Secret' },
    ],
    proxyHeaders: { ApiIntegrationCode: '${credentials.integrationCode}', UserName: '${connectionConfig.userName}', Secret: '${credentials.secret}' },
    verify: { method: 'GET', path: '/Version' },
  });
  const { organizationId } = await organization(g);
  const made = await cli([
    'connection',
    'create',
    '--connector',
    connectorId,
    '--organization',
    organizationId,
    '--config',
    'zone=127.0.0.1',
    '--config',
    `userName=${user}`,
    '--credential',
    `integrationCode=${code}`,
    '--credential',
    `secret=${key}`,
    '--json',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const connection = JSON.parse(made.stdout);
  assert.equal(connection.status, 'active');
  assert.ok(!made.stdout.includes(key), 'the CLI prints no secret');
  assert.equal((await proxy(g, connection.connection_id, '/Companies/query')).statusCode, 200);

  const stale = secret('stale');
  const refused = await cli(['connection', 'update', connection.connection_id, '--credential', `integrationCode=${code}`, '--credential', `secret=${stale}`]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /the vendor refused these credentials: HTTP 401/);
  assert.ok(!refused.stderr.includes(stale));

  key = secret('rotated');
  // A credential from a file stays out of the shell history and the process list.
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-credential-'));
  await writeFile(path.join(dir, 'secret'), `${key}\n`, { mode: 0o600 });
  const updated = await cli([
    'connection',
    'update',
    connection.connection_id,
    '--credential',
    `integrationCode=${code}`,
    '--credential-file',
    `secret=${path.join(dir, 'secret')}`,
    '--json',
  ]);
  await rm(dir, { recursive: true, force: true });
  assert.equal(updated.code, 0, updated.stderr);
  assert.equal((await proxy(g, connection.connection_id, '/Companies/query')).statusCode, 200, 'the new key is used');
  const changes = await events('connection.updated', connection.connection_id);
  assert.deepEqual(
    changes.map((e) => e.data.changed),
    [['credentials']],
  );
});

test('SentinelOne style: Authorization: ApiToken <key>, and a proxyQuery parameter', async () => {
  const apiKey = secret('s1');
  const vendor = await mock((req) => {
    const query = new URL(req.url, 'http://x').searchParams;
    if (req.headers.authorization !== `ApiToken ${apiKey}` || query.get('siteIds') !== 'site-7') return undefined;
    return [200, { data: [{ id: 'agent-1' }], echo: req.headers.authorization }];
  });
  const connectorId = await createConnector(g, {
    name: 'SentinelOne',
    authMode: 'api_key',
    apiBaseUrl: `${vendor.url}/web/api/v2.1`,
    connectionConfig: [{ name: 'site', title: 'Site id', type: 'string' }],
    credentials: [{ name: 'apiKey', title: 'API token' }],
    proxyHeaders: { Authorization: 'ApiToken ${credentials.apiKey}' },
    proxyQuery: { siteIds: '${connectionConfig.site}' },
  });
  const { organizationId } = await organization(g);
  const created = await connect({ connector_id: connectorId, organization_id: organizationId, config: { site: 'site-7' }, credentials: { apiKey } });
  assert.equal(created.statusCode, 201, created.body);
  const res = await proxy(g, created.json().connection_id, '/agents?siteIds=other&limit=1');
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().data, [{ id: 'agent-1' }]);
  assert.equal(vendor.seen.at(-1)?.url, '/web/api/v2.1/agents?limit=1&siteIds=site-7', "the caller's siteIds is replaced");
});

test('N-central style: a token exchange with a nested answer, reused until expiry, exchanged again on expiry and on a 401, once for many callers', async () => {
  const vendor: TokenExchangeVendor = await startTokenExchangeVendor();
  mocks.push(vendor);
  secrets.push(vendor.jwt);
  const connectorId = await createConnector(g, {
    name: 'N-central',
    authMode: 'two_step',
    apiBaseUrl: `http://\${connectionConfig.host}:${vendor.port}/api`,
    connectionConfig: [{ name: 'host', title: 'Server', type: 'string', format: 'hostname' }],
    credentials: [{ name: 'jwt', title: 'User API token (JWT)' }],
    tokenRequest: {
      method: 'POST',
      url: `http://\${connectionConfig.host}:${vendor.port}/api/auth/authenticate`,
      headers: { Authorization: 'Bearer ${credentials.jwt}' },
    },
    tokenResponse: { accessToken: 'tokens.access.token', expiresIn: 'tokens.access.expirySeconds' },
    refreshMarginSeconds: 0,
    verify: { method: 'GET', path: '/server-info' },
  });
  const { organizationId } = await organization(g);

  const refused = await connect({
    connector_id: connectorId,
    organization_id: organizationId,
    config: { host: '127.0.0.1' },
    credentials: { jwt: 'not-the-jwt' },
  });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().error.message, /^the vendor refused these credentials: HTTP 401/);
  assert.ok(!refused.body.includes('not-the-jwt'), 'the excerpt has the credential blanked out');

  vendor.expirySeconds = 1;
  const created = await connect({
    connector_id: connectorId,
    organization_id: organizationId,
    config: { host: '127.0.0.1' },
    credentials: { jwt: vendor.jwt },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().connection_id;
  assert.equal(vendor.exchanges, 1);
  assert.ok(created.json().expires_at, 'the expiry read from tokens.access.expirySeconds');

  vendor.expirySeconds = 3600;
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal((await proxy(g, id, '/devices')).statusCode, 200);
  assert.equal(vendor.exchanges, 2, 'an expired token is exchanged again before use');
  assert.equal((await proxy(g, id, '/devices')).statusCode, 200);
  assert.equal(vendor.exchanges, 2, 'a live token is reused');

  // The vendor forgets its tokens: the next calls all get a 401, and one exchange serves them all.
  vendor.valid.clear();
  vendor.delayMs = 100;
  const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => proxy(g, id, `/devices/${i}`)));
  assert.deepEqual([...new Set(replies.map((r) => r.statusCode))], [200]);
  assert.equal(vendor.exchanges, 3, 'a 401 leads to one exchange for every caller');
  vendor.delayMs = 0;

  // The user's JWT is revoked: the exchange is refused, the connection breaks and says why.
  vendor.jwt = 'rotated';
  vendor.valid.clear();
  const broken = await proxy(g, id, '/devices');
  assert.equal(broken.statusCode, 502, broken.body);
  const row = (await g.app.inject({ method: 'GET', url: `/admin/api/v1/connections/${id}`, headers: admin })).json();
  assert.equal(row.status, 'broken');
  assert.match(row.last_error, /HTTP 401/);
});

test('a tenant in the token URL path (client credentials), and a value lifted from the token response into the config', async () => {
  const tenant = randomUUID();
  const clientSecret = secret('graph');
  let base = '';
  const vendor = await mock((req) => {
    if (req.method === 'POST' && req.url === `/${tenant}/oauth2/v2.0/token`) {
      return [200, { access_token: 'graph-token', expires_in: 3600, token_type: 'Bearer', instance_url: `${base}/instance-42` }];
    }
    if (req.headers.authorization === 'Bearer graph-token' && req.url.startsWith('/instance-42/v1.0/')) return [200, { value: [], path: req.url }];
    if (req.method === 'POST' && req.url === `/${tenant}/oauth2/v2.0/revoke`) return [200, {}];
    return undefined;
  });
  base = vendor.url;
  const connectorId = await createConnector(g, {
    name: 'Graph, tenant-specific',
    grantType: 'client_credentials',
    tokenUrl: `${vendor.url}/\${connectionConfig.tenant}/oauth2/v2.0/token`,
    revocationUrl: `${vendor.url}/\${connectionConfig.tenant}/oauth2/v2.0/revoke`,
    clientId: 'app',
    clientSecret,
    apiBaseUrl: '${connectionConfig.instanceUrl}/v1.0',
    connectionConfig: [{ name: 'tenant', title: 'Tenant id', type: 'string', format: 'uuid' }],
    tokenResponse: { config: { instanceUrl: 'instance_url' } },
    verify: { method: 'GET', path: '/organization' },
  });
  const { organizationId } = await organization(g);
  const created = await connect({ connector_id: connectorId, organization_id: organizationId, config: { tenant } });
  assert.equal(created.statusCode, 201, created.body);
  assert.deepEqual(created.json().config, { tenant, instanceUrl: `${vendor.url}/instance-42` });
  const res = await proxy(g, created.json().connection_id, '/users');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().path, '/instance-42/v1.0/users');
  // The lifted instance URL names the API host, but it is the vendor's, not a changed setting.
  const kept = await patch(created.json().connection_id, { config: { tenant } });
  assert.equal(kept.statusCode, 200, kept.body);
  assert.equal(kept.json().config.instanceUrl, `${vendor.url}/instance-42`);
  const deleted = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/connections/${created.json().connection_id}`, headers: admin });
  assert.equal(deleted.json().revoked, true, "revoked at the tenant's revocation URL");
});

test('missing and malformed settings: 400 naming the field, nothing stored', async () => {
  const vendor = await mock(() => [200, {}]);
  const connectorId = await createConnector(g, {
    name: 'Settings',
    authMode: 'api_key',
    apiBaseUrl: `${vendor.url}/\${connectionConfig.region}/api`,
    connectionConfig: [
      { name: 'region', title: 'Region', type: 'string', enum: ['eu', 'us'], default: 'eu' },
      { name: 'account', title: 'Account', type: 'string', pattern: '^[0-9]{4,8}$' },
      { name: 'tenant', title: 'Tenant', type: 'string', format: 'uuid' },
      { name: 'pageSize', title: 'Page size', type: 'number' },
    ],
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
  });
  const { organizationId } = await organization(g);
  const good = { account: '1234', tenant: randomUUID(), pageSize: 50 };
  const cases: [Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    [{ ...good, account: undefined }, { key: 'k' }, /body\/config\/account is required \(Account\)/],
    [{ ...good, account: '12' }, { key: 'k' }, /body\/config\/account must match pattern/],
    [{ ...good, tenant: 'nope' }, { key: 'k' }, /body\/config\/tenant must be a uuid/],
    [{ ...good, region: 'apac' }, { key: 'k' }, /body\/config\/region must be one of: eu, us/],
    [{ ...good, pageSize: 'many' }, { key: 'k' }, /body\/config\/pageSize must be a number/],
    [{ ...good, colour: 'blue' }, { key: 'k' }, /body\/config\/colour is not a setting of this connector/],
    [good, {}, /body\/credentials\/key is required \(Key\)/],
    [good, { key: 'a\r\nX-Injected: 1' }, /body\/credentials\/key must not contain line breaks/],
    [good, { key: 'k', other: 'x' }, /body\/credentials\/other is not a credential of this connector/],
  ];
  for (const [config, credentials, message] of cases) {
    const res = await connect({ connector_id: connectorId, organization_id: organizationId, config, credentials });
    assert.equal(res.statusCode, 400, `${JSON.stringify(config)}: ${res.body}`);
    assert.match(res.json().error.message, message);
  }
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0);
  const created = await connect({ connector_id: connectorId, organization_id: organizationId, config: { ...good, pageSize: '50' }, credentials: { key: 'k' } });
  assert.equal(created.statusCode, 201, created.body);
  assert.deepEqual(created.json().config, { region: 'eu', ...good }, 'the default filled in, the number read from text');
  assert.equal(vendor.seen.length, 0, 'no verify call declared, none made');
  const id = created.json().connection_id;
  assert.equal((await proxy(g, id, '/x')).statusCode, 200);
  assert.equal(vendor.seen.at(-1)?.url, '/eu/api/x');

  // PATCH replaces the config as a whole, checked the same way; the credentials stay.
  const bad = await patch(id, { config: { ...good, account: '1' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /body\/config\/account must match pattern/);
  assert.equal((await patch(id, {})).statusCode, 400);
  const moved = await patch(id, { config: { ...good, region: 'us' } });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(moved.json().config.region, 'us');
  assert.equal((await proxy(g, id, '/x')).statusCode, 200);
  assert.equal(vendor.seen.at(-1)?.url, '/us/api/x');
  assert.equal(vendor.seen.at(-1)?.headers['x-key'], 'k', 'the credentials were kept');
  assert.deepEqual(
    (await events('connection.updated', id)).map((e) => e.data.changed),
    [['config']],
  );
});

test('a config change that moves the host the credentials go to needs the credentials again; an OAuth connection connects again', async () => {
  const key = secret('moved');
  const vendor = await mock((req) => (req.headers['x-key'] === key ? [200, { path: req.url }] : undefined));
  const connectorId = await createConnector(g, {
    name: 'Per-host keys',
    authMode: 'api_key',
    apiBaseUrl: `http://\${connectionConfig.host}:${vendor.port}/\${connectionConfig.tenant}/api`,
    connectionConfig: [
      { name: 'host', title: 'Host', type: 'string', format: 'hostname' },
      { name: 'tenant', title: 'Tenant', type: 'string' },
    ],
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  const created = await connect({
    connector_id: connectorId,
    organization_id: organizationId,
    config: { host: '127.0.0.1', tenant: 't1' },
    credentials: { key },
  });
  assert.equal(created.statusCode, 201, created.body);
  const id = created.json().connection_id;
  const seen = vendor.seen.length;

  const moved = await patch(id, { config: { host: '127.0.0.2', tenant: 't1' } });
  assert.equal(moved.statusCode, 400, moved.body);
  assert.equal(moved.json().error.message, 'body/config/host: changing host changes where the credentials are sent: enter the credentials again');
  assert.equal(vendor.seen.length, seen, 'no verify call went out');
  assert.equal((await g.services.connectors.connections.get(id)).config.host, '127.0.0.1', 'nothing changed');

  // A setting only in the path may change alone; with the credentials given, the host may too.
  const tenant = await patch(id, { config: { host: '127.0.0.1', tenant: 't2' } });
  assert.equal(tenant.statusCode, 200, tenant.body);
  assert.equal(vendor.seen.at(-1)?.url, '/t2/api/me');
  const again = await patch(id, { config: { host: '127.0.0.2', tenant: 't2' }, credentials: { key: secret('other') } });
  assert.equal(again.statusCode, 200, again.body);
  assert.equal(again.json().config.host, '127.0.0.2');

  // An OAuth (client credentials) connection's token came from the old host: connect again instead.
  const oauthVendor = await mock((req) => (req.url === '/token' ? [200, { access_token: 'cc-token', expires_in: 3600 }] : [200, {}]));
  const oauthId = await createConnector(g, {
    name: 'Per-region OAuth',
    grantType: 'client_credentials',
    tokenUrl: `http://\${connectionConfig.region}:${oauthVendor.port}/token`,
    clientId: 'c',
    clientSecret: secret('cc'),
    apiBaseUrl: `http://\${connectionConfig.region}:${oauthVendor.port}/api`,
    connectionConfig: [{ name: 'region', title: 'Region', type: 'string', enum: ['127.0.0.1', '127.0.0.2'] }],
  });
  const oauth = await connect({ connector_id: oauthId, organization_id: organizationId, config: { region: '127.0.0.1' } });
  assert.equal(oauth.statusCode, 201, oauth.body);
  const refused = await patch(oauth.json().connection_id, { config: { region: '127.0.0.2' } });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.json().error.message, /^body\/config\/region: changing region changes where the connection's token is sent: connect again instead$/);
});

test('a setting of "." or ".." in a URL path is refused at connect time, so neither it nor the proxied path leaves the tenant prefix', async () => {
  const vendor = await mock((req) => [200, { path: req.url }]);
  const connectorId = await createConnector(g, {
    name: 'Per-customer prefix',
    authMode: 'api_key',
    apiBaseUrl: `${vendor.url}/customers/\${connectionConfig.c}`,
    connectionConfig: [{ name: 'c', title: 'Customer', type: 'string' }],
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  for (const c of ['..', '.']) {
    const res = await connect({ connector_id: connectorId, organization_id: organizationId, config: { c }, credentials: { key: 'k' } });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.json().error.message, new RegExp(`^body/config/c must not be "${c.replaceAll('.', '\\.')}"`));
  }
  assert.equal(vendor.seen.length, 0, 'nothing was sent');
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0);

  // Dots inside a value are only characters; the caller's path cannot climb out either.
  const created = await connect({ connector_id: connectorId, organization_id: organizationId, config: { c: '..a' }, credentials: { key: 'k' } });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(vendor.seen.at(-1)?.url, '/customers/..a/me');
  const id = created.json().connection_id;
  for (const climb of ['/%2e%2e/other/x', '/.%2E/other', '/a%2F..%2Fother']) {
    const res = await proxy(g, id, climb);
    // Refused by the proxy (400), or already resolved by the HTTP layer to a path outside the proxy (404).
    assert.ok([400, 404].includes(res.statusCode), `${climb}: ${res.body}`);
  }
  const inside = await proxy(g, id, '/tickets');
  assert.equal(inside.json().path, '/customers/..a/tickets');
  assert.ok(
    vendor.seen.every((r) => r.url.startsWith('/customers/..a/')),
    'every call stayed under the prefix',
  );
});

test('an unresolved placeholder is a 400 at connect time, and no request carries a literal ${', async () => {
  const vendor = await mock((req) => (req.url.startsWith('/token') ? [200, { access_token: 'no-instance', expires_in: 60 }] : [200, {}]));
  const connectorId = await createConnector(g, {
    name: 'Lifted but absent',
    grantType: 'client_credentials',
    tokenUrl: `${vendor.url}/token`,
    clientId: 'c',
    clientSecret: 's',
    apiBaseUrl: '${connectionConfig.instanceUrl}/api',
    tokenResponse: { config: { instanceUrl: 'instance_url' } },
  });
  const { organizationId } = await organization(g);
  const res = await connect({ connector_id: connectorId, organization_id: organizationId });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().error.message, /apiBaseUrl \$\{connectionConfig.instanceUrl\} has no value/);
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0);
  noLiteralPlaceholders();
});

test('an interpolated host on a private address is refused by the outbound policy', async () => {
  const connectorId = await createConnector(g, {
    name: 'Per-site host',
    authMode: 'api_key',
    apiBaseUrl: 'http://${connectionConfig.site}/api',
    connectionConfig: [{ name: 'site', title: 'Site', type: 'string', format: 'hostname' }],
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  for (const site of ['169.254.169.254', '10.0.0.7']) {
    const res = await connect({ connector_id: connectorId, organization_id: organizationId, config: { site }, credentials: { key: 'k' } });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error.code, 'target_refused');
    assert.match(res.json().error.message, new RegExp(`${site.replaceAll('.', '\\.')} is`));
  }
  // A value cannot move the host: a slash or an at sign is percent-encoded into the host name.
  const sneaky = await connect({
    connector_id: connectorId,
    organization_id: organizationId,
    config: { site: '127.0.0.1@10.0.0.7' },
    credentials: { key: 'k' },
  });
  assert.equal(sneaky.statusCode, 400);
  assert.match(sneaky.json().error.message, /body\/config\/site must be a hostname/);
});

test('a two-step token host on an address the policy refuses is a 400 target_refused, not an unverified connection', async () => {
  // The tests open 127.0.0.0/8 only: the IPv6 loopback stays refused, as every loopback is by default.
  const connectorId = await createConnector(g, {
    name: 'Exchange on loopback',
    authMode: 'two_step',
    apiBaseUrl: 'http://[::1]:9/api',
    credentials: [{ name: 'jwt', title: 'Token' }],
    tokenRequest: { method: 'POST', url: 'http://[::1]:9/auth', headers: { Authorization: 'Bearer ${credentials.jwt}' } },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  const res = await connect({ connector_id: connectorId, organization_id: organizationId, credentials: { jwt: secret('jwt') } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error.code, 'target_refused');
  assert.match(res.json().error.message, /::1/);
  assert.equal((await g.services.connectors.connections.list({ organizationId })).length, 0, 'nothing stored');
});

test('a key with "+/=" and quotes is blanked out of excerpts and answer headers in every form a vendor may echo it', async () => {
  const key = secret('k+/="\\');
  const wrong = secret('w+/="\\');
  const forms = (s: string) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2), JSON.stringify(s).slice(1, -1)];
  const vendor = await mock((req) => {
    const sent = String(req.headers['x-key']);
    const echo = { quoted: sent, percent: encodeURIComponent(sent), form: new URLSearchParams({ k: sent }).toString() };
    if (sent !== key) return [401, echo];
    return [
      200,
      { ok: true },
      { location: `/next?key=${encodeURIComponent(sent)}`, 'x-form': `k=${new URLSearchParams({ k: sent }).toString()}`, 'x-safe': 'kept' },
    ];
  });
  const connectorId = await createConnector(g, {
    name: 'Echoing vendor',
    authMode: 'api_key',
    apiBaseUrl: `${vendor.url}/api`,
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  const refused = await connect({ connector_id: connectorId, organization_id: organizationId, credentials: { key: wrong } });
  assert.equal(refused.statusCode, 400, refused.body);
  const message = refused.json().error.message as string;
  assert.match(message, /^the vendor refused these credentials: HTTP 401: /);
  for (const form of forms(wrong)) assert.ok(!message.includes(form), `the excerpt has ${form}: ${message}`);
  assert.equal(message.match(/\[redacted\]/g)?.length, 3, message);

  const created = await connect({ connector_id: connectorId, organization_id: organizationId, credentials: { key } });
  assert.equal(created.statusCode, 201, created.body);
  const res = await proxy(g, created.json().connection_id, '/things');
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.headers['x-safe'], 'kept');
  assert.equal(res.headers.location, undefined, 'the percent-encoded key is not passed on');
  assert.equal(res.headers['x-form'], undefined, 'the form-encoded key is not passed on');
  for (const form of forms(key)) assert.ok(!JSON.stringify(res.headers).includes(form));
});

test('a verify call that fails otherwise stores the connection unverified, with the reason and an event', async () => {
  const vendor = await mock((req) => (req.headers['x-key'] === 'k' ? [503, { message: 'maintenance' }] : undefined));
  const connectorId = await createConnector(g, {
    name: 'Flaky',
    authMode: 'api_key',
    apiBaseUrl: `${vendor.url}/api`,
    credentials: [{ name: 'key', title: 'Key' }],
    proxyHeaders: { 'X-Key': '${credentials.key}' },
    verify: { method: 'GET', path: '/me' },
  });
  const { organizationId } = await organization(g);
  const res = await connect({ connector_id: connectorId, organization_id: organizationId, credentials: { key: 'k' } });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().status, 'unverified');
  assert.match(res.json().verification_error, /answered HTTP 503: \{"message":"maintenance"\}/);
  const [event] = await events('connection.verification_failed', res.json().connection_id);
  assert.equal(event?.data.vendorStatus, 503);
  assert.equal((await proxy(g, res.json().connection_id, '/x')).statusCode, 503, 'an unverified connection still proxies');
});

test('secrets appear in no log line, no API answer and nowhere in the database in plain text', async () => {
  assert.ok(secrets.length >= 6);
  const answers = [
    await g.app.inject({ method: 'GET', url: '/admin/api/v1/connections', headers: admin }),
    await g.app.inject({ method: 'GET', url: '/admin/api/v1/connectors', headers: admin }),
    await g.app.inject({ method: 'GET', url: '/admin/api/v1/audit', headers: admin }),
  ].map((r) => r.body);
  const db = g.services.storage.db;
  const dump = JSON.stringify([
    await db.selectFrom('connections').selectAll().execute(),
    await db.selectFrom('connectors').selectAll().execute(),
    await db.selectFrom('outbox_events').selectAll().execute(),
  ]);
  assert.ok(log.length > 0, 'the debug log was captured');
  for (const value of secrets) {
    assert.ok(!log.includes(value), `the log has ${value}: ${log.split('\n').find((l) => l.includes(value))}`);
    for (const answer of answers) assert.ok(!answer.includes(value), `an API answer has ${value}`);
    assert.ok(!dump.includes(value), `the database has ${value} in plain text`);
  }
  noLiteralPlaceholders();
});

test('an authorization-code connector with a tenant in its URLs: the config is asked for before the browser leaves', async () => {
  const tenant = randomUUID();
  const vendor = await mock(() => undefined);
  const connectorId = await createConnector(g, {
    name: 'Tenant OAuth',
    grantType: 'authorization_code',
    authUrl: `${vendor.url}/\${connectionConfig.tenant}/oauth2/v2.0/authorize`,
    tokenUrl: `${vendor.url}/\${connectionConfig.tenant}/oauth2/v2.0/token`,
    clientId: 'app',
    clientSecret: secret('tenant-oauth'),
    apiBaseUrl: 'https://graph.example.com/v1.0',
    connectionConfig: [{ name: 'tenant', title: 'Tenant id', type: 'string', format: 'uuid' }],
  });
  const { organizationId } = await organization(g);
  const { authorization, connectors } = g.services.connectors;
  const connector = await connectors.get(connectorId);
  await assert.rejects(authorization.start(connector, organizationId, null, 'binding'), /body\/config\/tenant is required/);
  const to = new URL(await authorization.start(connector, organizationId, null, 'binding', { tenant }));
  assert.equal(to.pathname, `/${tenant}/oauth2/v2.0/authorize`);
  const state = to.searchParams.get('state') as string;
  const pending = await authorization.consume(state, 'binding');
  assert.deepEqual(pending.settings.config, { tenant }, 'kept with the state for the token request');
});

test('connector definitions of the new modes through the admin API: schema errors, the view, a PATCH without a client secret', async () => {
  const post = (payload: Record<string, unknown>) => g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload });
  const base = {
    name: 'Huntress-style',
    authMode: 'basic',
    apiBaseUrl: 'https://api.huntress.example/v1',
    credentials: [
      { name: 'key', title: 'API key' },
      { name: 'secret', title: 'API secret' },
    ],
    basic: { username: '${credentials.key}', password: '${credentials.secret}' },
  };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ authMode: 'magic' }, /body\/authMode must be one of: oauth2, api_key, basic, two_step/],
    [{ connectionConfig: [{ name: 'bad name', title: 'x', type: 'string' }] }, /body\/connectionConfig\/0\/name must match pattern/],
    [{ connectionConfig: [{ name: 'a', title: 'x', type: 'date' }] }, /body\/connectionConfig\/0\/type must be one of: string, number, boolean/],
    [
      { connectionConfig: [{ name: 'a', title: 'x', type: 'string', format: 'ipv4' }] },
      /body\/connectionConfig\/0\/format must be one of: hostname, uri, uuid, email/,
    ],
    [{ verify: { method: 'TRACE', path: '/me' } }, /body\/verify\/method must be one of/],
    [{ verify: { method: 'GET', path: 'me' } }, /body\/verify\/path must match pattern/],
    [{ rateLimit: { requests: 0, perSeconds: 60 } }, /body\/rateLimit\/requests must be >= 1/],
    [{ basic: { username: '${credentials.key}' } }, /body\/basic must have required property 'password'|body\/basic\/password is required/],
    [{ clientSecret: 'x' }, /body\/clientSecret applies only to authMode oauth2, not basic/],
  ];
  for (const [override, message] of cases) {
    const res = await post({ ...base, ...override });
    assert.equal(res.statusCode, 400, `${JSON.stringify(override)}: ${res.body}`);
    assert.match(res.json().error.message, message, JSON.stringify(override));
  }
  const created = await post({ ...base, rateLimit: { requests: 60, perSeconds: 60 }, documentationUrl: 'https://support.huntress.example/api' });
  assert.equal(created.statusCode, 201, created.body);
  const view = created.json();
  assert.deepEqual(
    [view.authMode, view.grantType, view.clientId, view.tokenUrl, view.rateLimit, view.documentationUrl],
    ['basic', null, null, null, { requests: 60, perSeconds: 60 }, 'https://support.huntress.example/api'],
  );
  assert.deepEqual(
    view.credentials.map((c: { secret: boolean }) => c.secret),
    [true, true],
  );
  const patched = await g.app.inject({
    method: 'PATCH',
    url: `/admin/api/v1/connectors/${view.connector_id}`,
    headers: admin,
    payload: { apiBaseUrl: 'https://api.huntress.example/v2' },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  assert.equal(patched.json().apiBaseUrl, 'https://api.huntress.example/v2');
  const stored = await g.services.storage.db.selectFrom('connectors').selectAll().where('id', '=', view.connector_id).executeTakeFirstOrThrow();
  assert.deepEqual([stored.grant_type, stored.client_secret], [null, null]);
});
