// Connector definitions through the admin API and the CLI: defaults, the secret sealed and never
// shown, updates that keep defaults following their source, and bad definitions answered 400
// with the field named (and nothing stored).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, admin, startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, definition, organization, startVendor, type QuirkyVendor } from './connector-vendors.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const base = { url: 'https://vendor.example' };
let g: TestGatehouse;
let v: QuirkyVendor;
let url: string;
let dir: string;

before(async () => {
  g = await startGatehouse(LOOPBACK);
  await g.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(g.app.server.address() as { port: number }).port}`;
  v = await startVendor();
  dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-connectors-'));
});
after(async () => {
  await v.close();
  await g.stop();
  await rm(dir, { recursive: true, force: true });
});

const post = (payload: unknown) => g.app.inject({ method: 'POST', url: '/admin/api/v1/connectors', headers: admin, payload: payload as object });

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

test('create applies the defaults, seals the secret and never shows it; get, list, update, delete', async () => {
  const res = await post(definition(base, { grantType: 'authorization_code', authUrl: 'https://vendor.example/oauth/authorize' }));
  assert.equal(res.statusCode, 201, res.body);
  const c = res.json();
  assert.equal(c.refreshUrl, 'https://vendor.example/token');
  assert.deepEqual(
    [c.scopeSeparator, c.clientAuthentication, c.tokenPlacement, c.tokenParam, c.headerPrefix, c.bodyFormat, c.pkce, c.refreshMarginSeconds],
    ['space', 'basic', 'header', 'Authorization', 'Bearer', 'form', true, 300],
  );
  assert.equal(c.tokenResponse.accessToken, 'access_token');
  assert.equal(c.redirect_uri, 'http://gatehouse.test/oauth2/redirect_url');
  assert.ok(!res.body.includes('vendor secret'), 'the secret is never shown');
  const stored = await g.services.storage.db.selectFrom('connectors').selectAll().where('id', '=', c.connector_id).executeTakeFirstOrThrow();
  assert.match(stored.client_secret ?? '', /^v1\./);
  assert.ok(!JSON.stringify(stored).includes('vendor secret'), 'sealed at rest');

  const patch = (payload: object) => g.app.inject({ method: 'PATCH', url: `/admin/api/v1/connectors/${c.connector_id}`, headers: admin, payload });
  const moved = (await patch({ tokenUrl: 'https://vendor.example/v2/token', headerPrefix: '', scopes: ['a'] })).json();
  assert.deepEqual(
    [moved.refreshUrl, moved.headerPrefix, moved.scopes],
    ['https://vendor.example/v2/token', '', ['a']],
    'a defaulted refreshUrl follows tokenUrl',
  );
  const restored = (await patch({ headerPrefix: null })).json();
  assert.equal(restored.headerPrefix, 'Bearer', 'null restores the default');
  const refused = await patch({ grantType: 'client_credentials' });
  assert.equal(refused.statusCode, 400);
  assert.match(refused.json().error.message, /body\/authUrl applies only to grantType authorization_code/);

  const list = (await g.app.inject({ method: 'GET', url: '/admin/api/v1/connectors', headers: admin })).json().connectors;
  assert.ok(list.some((x: { connector_id: string }) => x.connector_id === c.connector_id));
  assert.equal((await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/connectors/${c.connector_id}`, headers: admin })).statusCode, 204);
  assert.equal((await g.app.inject({ method: 'GET', url: `/admin/api/v1/connectors/${c.connector_id}`, headers: admin })).statusCode, 404);
});

test('null on create means the default, for the header a token goes in too', async () => {
  const res = await post(definition(base, { tokenParam: null, headerPrefix: null }));
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual([res.json().tokenParam, res.json().headerPrefix], ['Authorization', 'Bearer']);
});

test('bad definitions: 400 naming the field, nothing stored', async () => {
  const code = { grantType: 'authorization_code', authUrl: 'https://vendor.example/authorize' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ name: undefined }, /body\/name is required/],
    [{ name: '' }, /body\/name/],
    [{ grantType: 'password' }, /body\/grantType must be one of: authorization_code, client_credentials/],
    [{ grantType: 'authorization_code' }, /body\/authUrl is required when grantType is authorization_code/],
    [{ authUrl: 'https://vendor.example/authorize' }, /body\/authUrl applies only to grantType authorization_code/],
    [{ tokenUrl: 'not a url' }, /body\/tokenUrl must be an absolute URL/],
    [{ tokenUrl: 'ftp://vendor.example/token' }, /body\/tokenUrl must use https/],
    [{ refreshUrl: 'https://user:pw@vendor.example/token' }, /body\/refreshUrl must not carry credentials/],
    [{ revocationUrl: 'revoke' }, /body\/revocationUrl must be an absolute URL/],
    [{ clientId: undefined }, /body\/clientId is required/],
    [{ clientSecret: '' }, /body\/clientSecret/],
    [{ scopes: 'read write' }, /body\/scopes must be array/],
    [{ scopes: ['read write'] }, /body\/scopes\/0/],
    [{ scopeSeparator: ';' }, /body\/scopeSeparator must be one of/],
    [{ clientAuthentication: 'private_key_jwt' }, /body\/clientAuthentication must be one of: basic, body/],
    [{ tokenPlacement: 'cookie' }, /body\/tokenPlacement must be one of: header, query/],
    [{ tokenParam: 'X Api Key' }, /body\/tokenParam must be a header name/],
    [{ tokenPlacement: 'query', headerPrefix: 'Bearer' }, /body\/headerPrefix applies only to tokenPlacement header/],
    [{ headerPrefix: 'Bad Prefix' }, /body\/headerPrefix/],
    [{ extra: { token: { headers: { 'Content-Length': '9' } } } }, /body\/extra\/token\/headers\/Content-Length is set by Gatehouse/],
    [{ extra: { refresh: { headers: { 'X-Ok': 'a\r\nX-Injected: b' } } } }, /body\/extra\/refresh\/headers\/X-Ok must not contain line breaks/],
    [{ extra: { refresh: { cookies: {} } } }, /body\/extra\/refresh\/cookies is not an allowed field/],
    [{ ...code, extra: { auth: { headers: { 'X-A': '1' } } } }, /body\/extra\/auth\/headers cannot be sent/],
    [{ extra: { auth: { params: { a: '1' } } } }, /body\/extra\/auth applies only to grantType authorization_code/],
    [{ extra: { token: { params: { a: 1 } } } }, /body\/extra\/token\/params\/a must be string/],
    [{ bodyFormat: 'xml' }, /body\/bodyFormat must be one of: form, json/],
    [{ pkce: 'yes' }, /body\/pkce must be boolean/],
    [{ pkce: true }, /body\/pkce applies only to grantType authorization_code/],
    [{ issuer: 'https://vendor.example' }, /body\/issuer applies only to grantType authorization_code/],
    [{ ...code, issuer: 'vendor' }, /body\/issuer must be an absolute URL/],
    [{ apiBaseUrl: 'https://api.vendor.example/v1?key=1' }, /body\/apiBaseUrl must not have a query string/],
    [{ apiBaseUrl: undefined }, /body\/apiBaseUrl is required/],
    [{ refreshMarginSeconds: -1 }, /body\/refreshMarginSeconds must be >= 0/],
    [{ refreshMarginSeconds: '300' }, /body\/refreshMarginSeconds must be integer/],
    [{ timeoutMs: 10 }, /body\/timeoutMs must be >= 100/],
    [{ tokenResponse: { expiresInUnit: 'hours' } }, /body\/tokenResponse\/expiresInUnit must be one of: seconds, milliseconds/],
    [{ tokenResponse: { accessToken: 'data..token' } }, /body\/tokenResponse\/accessToken must match pattern/],
    [{ tokenResponse: { idToken: 'id_token' } }, /body\/tokenResponse\/idToken is not an allowed field/],
    [{ colour: 'blue' }, /body\/colour is not an allowed field/],
  ];
  const before = await g.services.storage.db.selectFrom('connectors').select('id').execute();
  for (const [override, message] of cases) {
    const res = await post(definition(base, override));
    assert.equal(res.statusCode, 400, `${JSON.stringify(override)}: ${res.body}`);
    assert.equal(res.json().error.code, 'invalid_request');
    assert.match(res.json().error.message, message, JSON.stringify(override));
  }
  assert.equal((await g.services.storage.db.selectFrom('connectors').select('id').execute()).length, before.length);
  assert.equal((await post([1, 2])).statusCode, 400);
});

test('gatehouse connector create --config FILE --json, and connection create --json', async () => {
  const file = path.join(dir, 'connector.json');
  await writeFile(file, JSON.stringify(definition(v, { name: 'From the CLI' })));
  const created = await cli(['connector', 'create', '--config', file, '--json']);
  assert.equal(created.code, 0, created.stderr);
  const connector = JSON.parse(created.stdout);
  assert.match(connector.connector_id, /^[0-9a-f]{24}$/);
  assert.equal(connector.clientSecret, undefined);

  const { organizationId } = await organization(g);
  const connected = await cli(['connection', 'create', '--connector', connector.connector_id, '--organization', organizationId, '--json']);
  assert.equal(connected.code, 0, connected.stderr);
  const connection = JSON.parse(connected.stdout);
  assert.match(connection.connection_id, /^[0-9a-f]{24}$/);
  assert.equal(connection.status, 'active');

  const listed = await cli(['connection', 'list', '--organization', organizationId]);
  assert.match(listed.stdout, new RegExp(`${connection.connection_id}\\s+${connector.connector_id}\\s+${organizationId}\\s+active`));

  await writeFile(file, JSON.stringify(definition(v, { tokenPlacement: 'sideways' })));
  const bad = await cli(['connector', 'create', '--config', file, '--json']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /400: body\/tokenPlacement must be one of: header, query/);
  await writeFile(file, '{ not json');
  const garbled = await cli(['connector', 'create', '--config', file]);
  assert.equal(garbled.code, 1);
  assert.match(garbled.stderr, /connector\.json is not valid JSON/);
});
