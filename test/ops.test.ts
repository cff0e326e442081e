// Operations: health and readiness, Prometheus metrics, security headers, the OpenAPI document
// and its interactive page, and logs that never carry a secret, even at debug level.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { ADMIN_TOKEN, admin, basic, createClient, createTestDatabase, startGatehouse, logCapture, testConfig, type TestGatehouse } from './helpers.ts';

const FORM = 'application/x-www-form-urlencoded';

let g: TestGatehouse;

before(async () => {
  g = await startGatehouse();
});
after(() => g.stop());

function token(gh: Gatehouse, client: { client_id: string; client_secret: string }, secret = client.client_secret) {
  return gh.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(client.client_id, secret) },
    payload: 'grant_type=client_credentials',
  });
}

test('/healthz and /readyz', async () => {
  const health = await g.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(health.statusCode, 200);
  assert.deepEqual(health.json(), { status: 'ok' });
  const ready = await g.app.inject({ method: 'GET', url: '/readyz' });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), { status: 'ready' });

  // With the database out of reach, readiness fails and liveness does not.
  const { storage } = g.services;
  const real = storage.db;
  const unreachable = new pg.Pool({ connectionString: 'postgres://gatehouse@127.0.0.1:1/none', connectionTimeoutMillis: 2000 });
  unreachable.on('error', () => {});
  storage.db = new Kysely({ dialect: new PostgresDialect({ pool: unreachable }) });
  try {
    const down = await g.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(down.statusCode, 503);
    assert.deepEqual(down.json(), { status: 'database unreachable' });
    assert.equal((await g.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  } finally {
    await storage.db.destroy();
    storage.db = real;
  }
  assert.equal((await g.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

test('/metrics: request latency by route, tokens issued by grant, errors by code', async () => {
  const c = await createClient(g);
  for (let i = 0; i < 3; i++) assert.equal((await token(g, c)).statusCode, 200);
  assert.equal((await token(g, c, 'wrong')).statusCode, 401);
  await g.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': FORM }, payload: 'grant_type=password' });
  await g.app.inject({ method: 'GET', url: '/admin/api/v1/clients' });

  const res = await g.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const text = res.body;
  const value = (pattern: RegExp) => {
    const line = text.split('\n').find((l) => pattern.test(l));
    assert.ok(
      line,
      `${pattern} in\n${text
        .split('\n')
        .filter((l) => l.startsWith('gatehouse_') && !l.includes('process') && !l.includes('nodejs'))
        .join('\n')}`,
    );
    return Number(line.split(' ').at(-1));
  };
  assert.match(text, /# TYPE gatehouse_http_request_duration_seconds histogram/);
  assert.equal(value(/^gatehouse_http_request_duration_seconds_count\{method="POST",route="\/oauth\/token",status="200"\}/), 3);
  assert.ok(value(/^gatehouse_http_request_duration_seconds_sum\{method="POST",route="\/oauth\/token",status="200"\}/) > 0);
  assert.equal(value(/^gatehouse_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/oauth\/token",status="200"\}/), 3);
  assert.equal(value(/^gatehouse_http_request_duration_seconds_count\{method="POST",route="\/admin\/api\/v1\/clients",status="201"\}/), 1);
  assert.equal(value(/^gatehouse_tokens_issued_total\{grant="client_credentials"\}/), 3);
  assert.equal(value(/^gatehouse_errors_total\{code="invalid_client",status="401"\}/), 1);
  assert.equal(value(/^gatehouse_errors_total\{code="unsupported_grant_type",status="400"\}/), 1);
  assert.equal(value(/^gatehouse_errors_total\{code="unauthorized",status="401"\}/), 1);
  assert.match(text, /^gatehouse_process_cpu_seconds_total/m, 'process metrics are there too');
  // Route patterns, not raw URLs: ids do not explode the label set.
  await g.app.inject({ method: 'GET', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin });
  const again = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
  assert.match(again, /route="\/admin\/api\/v1\/clients\/:id"/);
  assert.ok(!again.includes(c.client_id));
});

test('security headers on API answers, errors, pages and the docs', async () => {
  const responses = {
    metadata: await g.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' }),
    tokenError: await g.app.inject({ method: 'POST', url: '/oauth/token', payload: {} }),
    notFound: await g.app.inject({ method: 'GET', url: '/no/such/page' }),
    admin401: await g.app.inject({ method: 'GET', url: '/admin/api/v1/keys' }),
    docsJson: await g.app.inject({ method: 'GET', url: '/docs/json' }),
    docs: await g.app.inject({ method: 'GET', url: '/docs/static/index.html' }),
  };
  for (const [name, res] of Object.entries(responses)) {
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/, `${name}: ${csp}`);
    assert.match(csp, /default-src 'self'/, name);
    assert.doesNotMatch(csp, /upgrade-insecure-requests/, `${name}: not over plain http`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', name);
    assert.equal(res.headers['x-frame-options'], 'DENY', name);
    assert.equal(res.headers['referrer-policy'], 'no-referrer', name);
    assert.equal(res.headers['strict-transport-security'], undefined, `${name}: no HSTS over plain http`);
    assert.equal(res.headers['x-powered-by'], undefined, name);
  }
});

test('/docs serves an interactive page; /docs/json lists the admin and OAuth routes', async () => {
  let res = await g.app.inject({ method: 'GET', url: '/docs' });
  for (let hops = 0; res.statusCode >= 300 && res.statusCode < 400 && hops < 3; hops++) {
    res = await g.app.inject({ method: 'GET', url: new URL(String(res.headers.location), 'http://gatehouse.test/docs/').pathname });
  }
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /swagger/i);

  const doc = await g.app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(doc.statusCode, 200);
  const spec = doc.json();
  assert.match(spec.openapi, /^3\./);
  assert.deepEqual(spec.servers, [{ url: 'http://gatehouse.test' }]);
  const paths = spec.paths as Record<
    string,
    Record<string, { security?: unknown; tags?: string[]; requestBody?: unknown; responses?: Record<string, unknown> }>
  >;
  const expected: [string, string][] = [
    ['/admin/api/v1/clients', 'post'],
    ['/admin/api/v1/clients', 'get'],
    ['/admin/api/v1/clients/{id}', 'get'],
    ['/admin/api/v1/clients/{id}', 'patch'],
    ['/admin/api/v1/clients/{id}', 'delete'],
    ['/admin/api/v1/clients/{id}/rotate-secret', 'post'],
    ['/admin/api/v1/keys', 'get'],
    ['/admin/api/v1/keys/rotate', 'post'],
    ['/admin/api/v1/audit-events', 'get'],
    ['/oauth/token', 'post'],
    ['/oauth/introspect', 'post'],
    ['/oauth/revoke', 'post'],
    ['/oauth/jwks', 'get'],
    ['/.well-known/oauth-authorization-server', 'get'],
    ['/.well-known/openid-configuration', 'get'],
    ['/healthz', 'get'],
    ['/readyz', 'get'],
  ];
  for (const [route, method] of expected) assert.ok(paths[route]?.[method], `${method.toUpperCase()} ${route} is documented`);
  for (const [route, operations] of Object.entries(paths)) {
    if (!route.startsWith('/admin/api/v1/')) continue;
    for (const [method, op] of Object.entries(operations)) assert.deepEqual(op.security, [{ adminToken: [] }], `${method} ${route}`);
  }
  assert.equal(spec.components.securitySchemes.adminToken.scheme, 'bearer');
  assert.ok(paths['/admin/api/v1/clients'].post.requestBody, 'request schemas are included');
  assert.ok(paths['/admin/api/v1/clients'].post.responses?.['201'], 'response schemas are included');
  assert.ok(!('/metrics' in paths), 'the metrics endpoint is not part of the API');
});

test('logs at debug level never carry a secret or a token', async () => {
  const log = logCapture('debug');
  const database = await createTestDatabase();
  const logged = await buildApp(testConfig({ LOG_LEVEL: 'debug' }, database.url), { logger: log.logger });
  const secrets: string[] = [ADMIN_TOKEN];
  try {
    await logged.app.ready();
    const c = await createClient(logged);
    const opaque = await createClient(logged, { token_format: 'opaque' });
    secrets.push(c.client_secret, opaque.client_secret);
    const jwt = (await token(logged, c)).json().access_token as string;
    const opaqueToken = (await token(logged, opaque)).json().access_token as string;
    secrets.push(jwt, opaqueToken);
    // Every way a credential can arrive: Basic header, form and JSON bodies, even a query string.
    await logged.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': FORM },
      payload: `grant_type=client_credentials&client_id=${c.client_id}&client_secret=${c.client_secret}`,
    });
    await logged.app.inject({
      method: 'POST',
      url: '/oauth/token',
      payload: { grant_type: 'client_credentials', client_id: c.client_id, client_secret: c.client_secret },
    });
    await logged.app.inject({
      method: 'POST',
      url: `/oauth/token?client_id=${c.client_id}&client_secret=${c.client_secret}`,
      headers: { 'content-type': FORM },
      payload: 'grant_type=client_credentials',
    });
    await logged.app.inject({
      method: 'POST',
      url: `/oauth/introspect?token=${jwt}`,
      headers: { 'content-type': FORM, authorization: basic(c.client_id, c.client_secret) },
      payload: `token=${jwt}`,
    });
    await logged.app.inject({
      method: 'POST',
      url: '/oauth/introspect',
      payload: { token: opaqueToken, client_id: opaque.client_id, client_secret: opaque.client_secret },
    });
    await logged.app.inject({ method: 'GET', url: '/admin/api/v1/keys', headers: { authorization: `Bearer ${jwt}` } });
    await logged.app.inject({ method: 'GET', url: '/admin/api/v1/clients', headers: admin });
    const rotated = await logged.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${c.client_id}/rotate-secret`, headers: admin });
    secrets.push(rotated.json().client_secret);
    await logged.app.inject({
      method: 'POST',
      url: '/oauth/revoke',
      headers: { 'content-type': FORM, authorization: basic(opaque.client_id, opaque.client_secret) },
      payload: `token=${opaqueToken}`,
    });
    // One-time links carry their token in the path.
    const linkToken = 'L'.repeat(43);
    secrets.push(linkToken);
    await logged.app.inject({ method: 'GET', url: `/login-link/${linkToken}` });
    // A request that fails validation, and a malformed one, with secrets inside.
    await logged.app.inject({ method: 'POST', url: '/oauth/token', payload: { grant_type: ['x'], client_secret: opaque.client_secret } });
    await logged.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: `{"client_secret":"${opaque.client_secret}"`,
    });
  } finally {
    await logged.close();
    await database.drop();
  }
  assert.match(log.text(), /incoming request/, 'requests were logged');
  assert.match(log.text(), /"url":"\/oauth\/token\?client_id=[^&"]+&client_secret=\[redacted\]"/, 'query-string credentials are redacted, the rest kept');
  assert.match(log.text(), /"url":"\/login-link\/\[redacted\]"/);
  const lines = log.text().trim().split('\n');
  for (const line of lines) JSON.parse(line); // structured JSON, one object a line
  for (const secret of secrets) {
    const leak = lines.find((l) => l.includes(secret));
    assert.equal(leak, undefined, `a secret appears in the logs: ${leak?.slice(0, 300)}`);
  }
});
