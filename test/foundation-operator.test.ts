// The operator's side of the foundation: configuration, the admin API with its audit trail,
// the bootstrap admin token, the OpenAPI document, health, metrics, headers and log redaction.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { REDACT } from '../src/logger.ts';
import { sha256 } from '../src/crypto.ts';
import { admin, basic, createClient, createTestDatabase, startGatehouse, testConfig, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(() => g.stop());

const FORM = 'application/x-www-form-urlencoded';
const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = admin) =>
  g.app.inject({ method, url: `/admin/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
const tokenFor = (id: string, secret: string) =>
  g.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(id, secret), 'content-type': FORM }, payload: 'grant_type=client_credentials' });

test('configuration: each bad value names its variable; defaults are sensible', () => {
  const bad: Record<string, string> = {
    PORT: 'abc',
    GATEHOUSE_PUBLIC_URL: 'not a url',
    DATABASE_URL: 'mysql://x',
    REDIS_URL: 'http://x',
    GATEHOUSE_ENCRYPTION_KEY: 'c2hvcnQ=',
    GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/99',
    LOG_LEVEL: 'loud',
    GATEHOUSE_SIGNING_ALG: 'HS256',
    GATEHOUSE_ADMIN_TOKEN: 'short',
  };
  for (const [name, value] of Object.entries(bad)) {
    assert.throws(() => loadConfig({ [name]: value }), (e: unknown) => e instanceof ConfigError && e.variable === name && e.message.startsWith(name), name);
  }
  assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://localhost/x' }), (e: unknown) => e instanceof ConfigError && e.variable === 'GATEHOUSE_ENCRYPTION_KEY');
  const defaults = loadConfig({});
  assert.equal(defaults.port, 3000);
  assert.equal(defaults.publicUrl, 'http://localhost:3000');
  assert.equal(defaults.databaseUrl, undefined);
  assert.equal(defaults.logLevel, 'info');
  assert.equal(defaults.signingAlgorithm, 'ES256');
  assert.deepEqual(defaults.allowPrivateNetworks, []);
  assert.equal(loadConfig({ GATEHOUSE_ALLOW_PRIVATE_NETWORKS: 'true' }).allowPrivateNetworks, true);
  assert.deepEqual(loadConfig({ GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8, ::1' }).allowPrivateNetworks, ['127.0.0.0/8', '::1']);
  assert.ok(Object.isFrozen(defaults));
});

test('admin API: clients from creation to deletion; the secret is shown once and stored as SHA-256', async () => {
  const created = await api('POST', '/clients', { name: 'Billing sync', grant_types: ['client_credentials'], scopes: ['read'], token_format: 'jwt', access_token_ttl: 600 });
  assert.equal(created.statusCode, 201);
  const { client_id, client_secret } = created.json();
  assert.ok(client_secret.length >= 43, '32 random bytes');
  const row = await g.services.storage.db.selectFrom('clients').selectAll().where('id', '=', client_id).executeTakeFirstOrThrow();
  assert.equal(row.secret_hash, sha256(client_secret));
  assert.ok(!JSON.stringify(row).includes(client_secret));

  const got = await api('GET', `/clients/${client_id}`);
  assert.equal(got.json().name, 'Billing sync');
  assert.equal(got.json().client_secret, undefined);
  assert.equal(got.json().secret_hash, undefined);
  assert.ok((await api('GET', '/clients')).json().clients.some((c: { client_id: string }) => c.client_id === client_id));

  const updated = await api('PATCH', `/clients/${client_id}`, { scopes: ['read', 'write'], name: 'Billing' });
  assert.deepEqual(updated.json().scopes, ['read', 'write']);
  assert.equal((await tokenFor(client_id, client_secret)).json().scope, 'read write', 'the update is seen by the token endpoint at once');
  assert.equal((await tokenFor(client_id, client_secret)).json().expires_in, 600);

  const rotated = await api('POST', `/clients/${client_id}/rotate-secret`);
  const fresh = rotated.json().client_secret;
  assert.notEqual(fresh, client_secret);
  assert.equal((await tokenFor(client_id, client_secret)).statusCode, 401, 'the old secret stops working');
  assert.equal((await tokenFor(client_id, fresh)).statusCode, 200);

  assert.equal((await api('DELETE', `/clients/${client_id}`)).statusCode, 204);
  assert.equal((await api('GET', `/clients/${client_id}`)).statusCode, 404);
  assert.equal((await tokenFor(client_id, fresh)).statusCode, 401);

  await g.services.audit.flush();
  const actions = (await api('GET', `/audit-events?client_id=${client_id}&limit=50`)).json().events.map((e: { action: string }) => e.action);
  for (const action of ['client.created', 'client.updated', 'client.secret_rotated', 'client.deleted', 'token.issued', 'token.refused']) {
    assert.ok(actions.includes(action), action);
  }
});

test('admin API: bad input is a 4xx naming the problem, never a 5xx, and changes nothing', async () => {
  const count = async () => Number((await g.services.storage.db.selectFrom('clients').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const cases: Array<[object, RegExp]> = [
    [{ name: 'x', colour: 'red' }, /colour/],
    [{}, /name/],
    [{ name: 'x', grant_types: ['password'] }, /password/],
    [{ name: 'x', redirect_uris: ['not a uri'] }, /redirect_uris/],
    [{ name: 'x', redirect_uris: ['https://a.example/cb#frag'] }, /fragment/],
    [{ name: 'x', token_format: 'paseto' }, /token_format/],
    [{ name: 'x', scopes: ['has space'] }, /scope/],
  ];
  for (const [payload, message] of cases) {
    const res = await api('POST', '/clients', payload);
    assert.equal(res.statusCode, 400, JSON.stringify(payload));
    assert.match(res.json().error.message, message);
  }
  assert.equal((await api('PATCH', '/clients/nope', { name: 'y' })).statusCode, 404);
  assert.equal((await api('DELETE', '/clients/nope')).statusCode, 404);
  assert.equal((await api('POST', '/clients/nope/rotate-secret')).statusCode, 404);
  assert.equal((await api('GET', '/audit-events?limit=0')).statusCode, 400);
  assert.equal(await count(), before);
});

test('admin API: a missing or wrong token is 401 and audited', async () => {
  const missing = await api('GET', '/clients', undefined, {});
  assert.equal(missing.statusCode, 401);
  assert.equal(missing.json().error.code, 'unauthorized');
  const wrong = await api('GET', '/keys', undefined, { authorization: 'Bearer not-the-admin-token' });
  assert.equal(wrong.statusCode, 401);
  await g.services.audit.flush();
  const failures = (await api('GET', '/audit-events?action=admin.auth_failed&outcome=failure')).json().events;
  assert.ok(failures.length >= 2);
  assert.ok(failures.every((e: { ip: string | null }) => e.ip));
});

test('audit events filter by action, outcome, client and time, newest first', async () => {
  const c = await createClient(g);
  await tokenFor(c.client_id, c.client_secret);
  await tokenFor(c.client_id, 'wrong');
  await g.services.audit.flush();
  const since = new Date(Date.now() - 60_000).toISOString();
  const res = (await api('GET', `/audit-events?client_id=${c.client_id}&since=${encodeURIComponent(since)}`)).json().events;
  assert.deepEqual(res.map((e: { action: string }) => e.action), ['token.refused', 'token.issued', 'client.created']);
  const failures = (await api('GET', `/audit-events?client_id=${c.client_id}&outcome=failure`)).json().events;
  assert.equal(failures.length, 1);
  assert.equal(failures[0].details.error, 'invalid_client');
  assert.equal((await api('GET', `/audit-events?client_id=${c.client_id}&until=${encodeURIComponent(since)}`)).json().events.length, 0);
});

test('operations: health, readiness, metrics, security headers, the OpenAPI document and its page', async () => {
  assert.deepEqual((await g.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
  assert.equal((await g.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  const c = await createClient(g);
  await tokenFor(c.client_id, c.client_secret);
  await tokenFor(c.client_id, 'wrong');
  const metrics = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(metrics, /gatehouse_http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status="200"\}/);
  assert.match(metrics, /gatehouse_tokens_issued_total\{grant="client_credentials"\} \d+/);
  assert.match(metrics, /gatehouse_errors_total\{code="invalid_client",status="401"\} \d+/);
  const headers = (await g.app.inject({ method: 'GET', url: '/healthz' })).headers;
  assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/);
  assert.equal(headers['x-content-type-options'], 'nosniff');
  assert.equal(headers['x-frame-options'], 'DENY');
  const doc = (await g.app.inject({ method: 'GET', url: '/docs/json' })).json();
  for (const path of ['/oauth/token', '/oauth/introspect', '/oauth/revoke', '/admin/api/v1/clients', '/admin/api/v1/keys/rotate', '/admin/api/v1/audit-events']) {
    assert.ok(doc.paths[path], path);
  }
  const page = await g.app.inject({ method: 'GET', url: '/docs/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /html/);
});

test('readiness fails with the database gone; the first start mints an admin token and keeps only its hash', async () => {
  const database = await createTestDatabase();
  const config = testConfig({ GATEHOUSE_ADMIN_TOKEN: '' }, database.url);
  const first = await buildApp(config);
  const token = first.bootstrapAdminToken;
  assert.ok(token && token.startsWith('gha_'));
  const ok = await first.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.statusCode, 200);
  const stored = await first.services.storage.db.selectFrom('admin_tokens').selectAll().execute();
  assert.deepEqual(stored.map((r) => r.token_hash), [sha256(token)]);
  if (database.url) {
    // On PostgreSQL the database outlives the app: a second start mints nothing.
    await first.close();
    const second = await buildApp(config);
    assert.equal(second.bootstrapAdminToken, undefined);
    assert.equal((await second.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: { authorization: `Bearer ${token}` } })).statusCode, 200);
    await second.services.storage.db.destroy();
    assert.equal((await second.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    await second.app.close().catch(() => {});
  } else {
    await first.services.storage.db.destroy();
    assert.equal((await first.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
    await first.app.close().catch(() => {});
  }
  await database.drop();
});

test('logs are JSON and never carry secrets or tokens', async () => {
  let output = '';
  const sink = new Writable({ write(chunk, _enc, done) { output += chunk; done(); } });
  const logger = pino({ level: 'trace', redact: { paths: REDACT, censor: '[redacted]' } }, sink);
  const database = await createTestDatabase();
  const logged = await buildApp(testConfig({}, database.url), { logger });
  try {
    const created = await logged.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: admin, payload: { name: 'x' } });
    const { client_id, client_secret } = created.json();
    const res = await logged.app.inject({ method: 'POST', url: '/oauth/token', headers: { authorization: basic(client_id, client_secret), 'content-type': FORM }, payload: 'grant_type=client_credentials' });
    const token = res.json().access_token;
    await logged.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': FORM }, payload: `grant_type=client_credentials&client_id=${client_id}&client_secret=${client_secret}` });
    assert.ok(output.length > 0, 'requests are logged at this level');
    for (const line of output.trim().split('\n')) JSON.parse(line);
    assert.ok(!output.includes(client_secret), 'client secret');
    assert.ok(!output.includes(token), 'access token');
    assert.ok(!output.includes('test-admin-token-0123456789'), 'admin token');
    assert.ok(!output.includes(Buffer.from(`${client_id}:${client_secret}`).toString('base64')), 'Basic credentials');
  } finally {
    await logged.close();
    await database.drop();
  }
});
