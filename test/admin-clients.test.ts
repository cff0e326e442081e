// Admin API for OAuth clients and keys: create, list, get, update, delete, rotate the secret;
// secrets shown once and stored as SHA-256; Bearer admin authentication with audited failures;
// validation that names the field and changes nothing; never a 5xx. Also the bootstrap admin
// token minted on a first start without GATEHOUSE_ADMIN_TOKEN.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import type { InjectOptions } from 'fastify';
import { buildApp } from '../src/app.ts';
import { sha256 } from '../src/crypto.ts';
import { ADMIN_TOKEN, admin, basic, createClient, createTestDatabase, startGatehouse, testConfig, type TestGatehouse } from './helpers.ts';

const API = '/admin/api/v1';

let g: TestGatehouse;

before(async () => {
  // These tests send dozens of refused requests from one address and expect each to be audited:
  // the per-address limit on failed authentications (test/edge-*.test.ts) is raised out of the way.
  g = await startGatehouse({ GATEHOUSE_AUTH_FAILURE_LIMIT_IP: '10000', GATEHOUSE_AUTH_FAILURE_AUDITED: '10000' });
});
after(() => g.stop());

async function snapshot() {
  await g.services.audit.flush();
  const { rows } = await sql<{ state: string }>`
    select (select count(*) from clients) || '/' || (select coalesce(string_agg(id || ':' || coalesce(secret_hash, '') || ':' || updated_at::text, ',' order by id), '') from clients)
      || '/' || (select count(*) from signing_keys) || '/' || (select count(*) from admin_tokens) || '/' || (select count(*) from access_tokens) as state`.execute(
    g.services.storage.db,
  );
  return rows[0].state;
}

async function auditEvents(action: string) {
  await g.services.audit.flush();
  return g.services.storage.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();
}

/** An admin request that must be refused: the status, `{error: {code, message}}`, no change. */
async function refused(request: InjectOptions, status: number, message?: RegExp) {
  const before = await snapshot();
  const res = await g.app.inject(request);
  assert.equal(res.statusCode, status, `${request.method} ${typeof request.url === 'string' ? request.url : JSON.stringify(request.url)}: ${res.body}`);
  const { error } = res.json();
  assert.equal(typeof error.code, 'string');
  assert.equal(typeof error.message, 'string');
  if (message) assert.match(error.message, message);
  assert.equal(await snapshot(), before, 'the database is unchanged');
  return res;
}

async function token(client: { client_id: string; client_secret: string }) {
  return g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret) },
    payload: 'grant_type=client_credentials',
  });
}

test('create: the secret is shown once and stored as SHA-256; defaults are filled in; audited', async () => {
  const res = await g.app.inject({ method: 'POST', url: `${API}/clients`, headers: admin, payload: { name: 'Billing sync', scopes: ['read', 'write'] } });
  assert.equal(res.statusCode, 201, res.body);
  const body = res.json();
  assert.equal(body.name, 'Billing sync');
  assert.equal(body.type, 'confidential');
  assert.deepEqual(body.grant_types, ['client_credentials']);
  assert.deepEqual(body.scopes, ['read', 'write']);
  assert.deepEqual(body.redirect_uris, []);
  assert.equal(body.token_format, 'jwt');
  assert.equal(body.access_token_ttl, null);
  assert.equal(body.allow_implicit, false);
  assert.equal(body.secret_hash, undefined);
  assert.ok(Buffer.from(body.client_secret, 'base64url').length >= 32);
  assert.ok(!Number.isNaN(Date.parse(body.created_at)));

  const row = await g.services.storage.db.selectFrom('clients').selectAll().where('id', '=', body.client_id).executeTakeFirstOrThrow();
  assert.equal(row.secret_hash, sha256(body.client_secret));
  const table = await g.services.storage.db.selectFrom('clients').selectAll().execute();
  assert.ok(!JSON.stringify(table).includes(body.client_secret), 'the raw secret is stored nowhere');
  assert.equal((await token(body)).statusCode, 200);

  const events = await auditEvents('client.created');
  assert.ok(events.some((e) => e.client_id === body.client_id && e.actor === 'admin' && e.outcome === 'success'));
  const got = await g.app.inject({ method: 'GET', url: `${API}/clients/${body.client_id}`, headers: admin });
  assert.equal(got.json().client_secret, undefined, 'shown once only');

  const pub = await createClient(g, { name: 'SPA', type: 'public', grant_types: ['authorization_code'], redirect_uris: ['https://spa.example/cb'] });
  assert.equal(pub.client_secret, null);
  const pubRow = await g.services.storage.db.selectFrom('clients').select('secret_hash').where('id', '=', pub.client_id).executeTakeFirstOrThrow();
  assert.equal(pubRow.secret_hash, null);

  const full = await createClient(g, {
    name: 'Partner platform',
    grant_types: ['authorization_code', 'refresh_token'],
    redirect_uris: ['https://partner.example/cb', 'http://localhost:8080/cb'],
    token_format: 'opaque',
    access_token_ttl: 600,
    tenant_scope: true,
    skip_consent: true,
    launch_url: 'https://partner.example/launch',
  });
  assert.deepEqual(full.redirect_uris, ['https://partner.example/cb', 'http://localhost:8080/cb']);
  assert.equal(full.token_format, 'opaque');
  assert.equal(full.access_token_ttl, 600);
  assert.equal(full.tenant_scope, true);
  assert.equal(full.skip_consent, true);
  assert.equal(full.launch_url, 'https://partner.example/launch');
});

test('create: bad bodies are 400 naming the field, and create nothing', async () => {
  const post = (payload: unknown): InjectOptions => ({ method: 'POST', url: `${API}/clients`, headers: admin, payload: payload as object });
  await refused(post({}), 400, /name/);
  await refused(post({ name: 'x', colour: 'blue' }), 400, /colour/);
  await refused(post({ name: 'x', scopes: 'read' }), 400, /scopes/);
  await refused(post({ name: 'x', scopes: ['read write'] }), 400, /scopes/);
  await refused(post({ name: 'x', scopes: ['"quoted"'] }), 400, /scopes/);
  await refused(post({ name: 'x', grant_types: ['password'] }), 400, /grant_types/);
  await refused(post({ name: 'x', type: 'public', grant_types: ['client_credentials'] }), 400, /grant_types/);
  await refused(post({ name: 'x', type: 'partner' }), 400, /type/);
  await refused(post({ name: 'x', token_format: 'xml' }), 400, /token_format/);
  await refused(post({ name: 'x', access_token_ttl: -1 }), 400, /access_token_ttl/);
  await refused(post({ name: 'x', access_token_ttl: '600' }), 400, /access_token_ttl/);
  await refused(post({ name: 'x', redirect_uris: ['/relative'] }), 400, /redirect_uris/);
  await refused(post({ name: 'x', redirect_uris: ['https://app.example/cb#frag'] }), 400, /redirect_uris/);
  await refused(post({ name: 'x', launch_url: 'javascript:alert(1)' }), 400, /launch_url/);
  await refused(post({ name: '   ' }), 400, /name/);
  await refused(post({ name: 42 }), 400, /name/);
  await refused(post({ name: 'x', allow_implicit: 'yes' }), 400, /allow_implicit/);
  await refused(
    post({ name: 'x', type: 'public', grant_types: ['implicit'], allow_implicit: true }),
    400,
    /redirect_uris: a client using the implicit grant must register/,
  );
  await refused(post({ name: 'x', type: 'public', grant_types: ['implicit'], redirect_uris: [] }), 400, /redirect_uris/);
  await refused(post({ name: 'x', type: 'public', grant_types: ['authorization_code'], allow_implicit: true }), 400, /redirect_uris/);
  await refused(post([{ name: 'x' }]), 400);
  await refused({ method: 'POST', url: `${API}/clients`, headers: { ...admin, 'content-type': 'application/json' }, payload: '{"name":' }, 400, /JSON/);
  const wrongType = await refused({ method: 'POST', url: `${API}/clients`, headers: { ...admin, 'content-type': 'text/csv' }, payload: 'name\nx' }, 415);
  assert.equal(wrongType.json().error.code, 'invalid_request');
});

test('list and get show every client without secrets; unknown ids are 404', async () => {
  const a = await createClient(g, { name: 'List A' });
  const list = await g.app.inject({ method: 'GET', url: `${API}/clients`, headers: admin });
  assert.equal(list.statusCode, 200);
  const clients = list.json().clients as Record<string, unknown>[];
  assert.ok(clients.some((x) => x.client_id === a.client_id && x.name === 'List A'));
  for (const x of clients) {
    assert.equal(x.client_secret, undefined);
    assert.equal(x.secret_hash, undefined);
  }
  const got = await g.app.inject({ method: 'GET', url: `${API}/clients/${a.client_id}`, headers: admin });
  assert.equal(got.statusCode, 200);
  assert.equal(got.json().name, 'List A');
  const missing = await refused({ method: 'GET', url: `${API}/clients/no-such-client`, headers: admin }, 404, /no-such-client/);
  assert.equal(missing.json().error.code, 'not_found');
  for (const request of [
    { method: 'PATCH', url: `${API}/clients/no-such-client`, headers: admin, payload: { name: 'y' } },
    { method: 'DELETE', url: `${API}/clients/no-such-client`, headers: admin },
    { method: 'POST', url: `${API}/clients/no-such-client/rotate-secret`, headers: admin },
  ] as InjectOptions[])
    await refused(request, 404);
});

test('update changes what is sent, validates like create, and takes effect at the token endpoint', async () => {
  const client = await createClient(g, { name: 'Before', scopes: ['read'] });
  await new Promise((resolve) => setTimeout(resolve, 5));
  const res = await g.app.inject({
    method: 'PATCH',
    url: `${API}/clients/${client.client_id}`,
    headers: admin,
    payload: { name: 'After', scopes: ['read', 'reports'], access_token_ttl: 300 },
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.name, 'After');
  assert.deepEqual(body.scopes, ['read', 'reports']);
  assert.deepEqual(body.grant_types, ['client_credentials'], 'fields not sent are kept');
  assert.equal(body.client_secret, undefined);
  assert.ok(Date.parse(body.updated_at) > Date.parse(body.created_at));
  const issued = await token(client);
  assert.equal(issued.json().scope, 'read reports');
  assert.equal(issued.json().expires_in, 300);
  assert.ok((await auditEvents('client.updated')).some((e) => e.client_id === client.client_id));

  const patch = (payload: unknown): InjectOptions => ({
    method: 'PATCH',
    url: `${API}/clients/${client.client_id}`,
    headers: admin,
    payload: payload as object,
  });
  await refused(patch({ secret_hash: 'x' }), 400, /secret_hash/);
  await refused(patch({ client_id: 'other' }), 400, /client_id/);
  await refused(patch({ type: 'public' }), 400, /type/);
  await refused(patch({ grant_types: ['nope'] }), 400, /grant_types/);
  await refused(patch({ name: '' }), 400, /name/);
  await refused(patch({ redirect_uris: ['not a uri'] }), 400, /redirect_uris/);
  await refused(patch({ allow_implicit: true }), 400, /redirect_uris: a client using the implicit grant/);
  // A null ttl returns the client to the server default.
  const reset = await g.app.inject(patch({ access_token_ttl: null }));
  assert.equal(reset.json().access_token_ttl, null);
  assert.equal((await token(client)).json().expires_in, 3600);
});

test('post_logout_redirect_uris: taken on create and update, shown, held to the redirect-URI rules', async () => {
  const created = await createClient(g, {
    name: 'Signs out',
    grant_types: ['authorization_code'],
    redirect_uris: ['https://rp.example/cb'],
    post_logout_redirect_uris: ['https://rp.example/signed-out', 'http://127.0.0.1:9000/bye', 'com.example.rp:/signed-out'],
  });
  assert.deepEqual(created.post_logout_redirect_uris, ['https://rp.example/signed-out', 'http://127.0.0.1:9000/bye', 'com.example.rp:/signed-out']);
  const plain = await createClient(g, { name: 'No logout' });
  assert.deepEqual(plain.post_logout_redirect_uris, [], 'none by default');
  const got = await g.app.inject({ method: 'GET', url: `${API}/clients/${created.client_id}`, headers: admin });
  assert.deepEqual(got.json().post_logout_redirect_uris, created.post_logout_redirect_uris);
  const listed = (await g.app.inject({ method: 'GET', url: `${API}/clients`, headers: admin })).json().clients as Record<string, unknown>[];
  assert.deepEqual(listed.find((c) => c.client_id === created.client_id)?.post_logout_redirect_uris, created.post_logout_redirect_uris);

  const patch = (payload: object): InjectOptions => ({ method: 'PATCH', url: `${API}/clients/${created.client_id}`, headers: admin, payload });
  const changed = await g.app.inject(patch({ post_logout_redirect_uris: ['https://rp.example/bye', 'https://rp.example/bye'] }));
  assert.equal(changed.statusCode, 200, changed.body);
  assert.deepEqual(changed.json().post_logout_redirect_uris, ['https://rp.example/bye'], 'replaced, without repeats');
  assert.deepEqual(changed.json().redirect_uris, ['https://rp.example/cb'], 'the redirect URIs are a list of their own');

  const post = (uris: unknown): InjectOptions => ({
    method: 'POST',
    url: `${API}/clients`,
    headers: admin,
    payload: { name: 'x', grant_types: ['authorization_code'], redirect_uris: ['https://rp.example/cb'], post_logout_redirect_uris: uris },
  });
  for (const uri of ['javascript:alert(1)', 'http://rp.example/signed-out', '/signed-out', 'https://rp.example/out#frag', 'data:text/html,hi']) {
    const res = await refused(post([uri]), 400, /^post_logout_redirect_uris: /);
    assert.ok(res.json().error.message.includes(JSON.stringify(uri)), `the message names ${uri}`);
    await refused(patch({ post_logout_redirect_uris: ['https://rp.example/ok', uri] }), 400, /^post_logout_redirect_uris: /);
  }
  await refused(post('https://rp.example/signed-out'), 400, /post_logout_redirect_uris/);
  await refused(post(['']), 400, /post_logout_redirect_uris/);
  await refused(post([42]), 400, /post_logout_redirect_uris/);
  assert.deepEqual(
    (await g.app.inject({ method: 'GET', url: `${API}/clients/${created.client_id}`, headers: admin })).json().post_logout_redirect_uris,
    ['https://rp.example/bye'],
    'a refused update changed nothing',
  );
});

test('rotate-secret: the new secret works, the old one stops at once, only its hash is stored', async () => {
  const client = await createClient(g);
  assert.equal((await token(client)).statusCode, 200);
  const res = await g.app.inject({ method: 'POST', url: `${API}/clients/${client.client_id}/rotate-secret`, headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const secret = res.json().client_secret as string;
  assert.notEqual(secret, client.client_secret);
  assert.equal(res.json().client_id, client.client_id);
  const old = await token(client);
  assert.equal(old.statusCode, 401);
  assert.equal(old.json().error, 'invalid_client');
  assert.equal((await token({ client_id: client.client_id, client_secret: secret })).statusCode, 200);
  const row = await g.services.storage.db.selectFrom('clients').selectAll().where('id', '=', client.client_id).executeTakeFirstOrThrow();
  assert.equal(row.secret_hash, sha256(secret));
  assert.ok((await auditEvents('client.secret_rotated')).some((e) => e.client_id === client.client_id));
  const pub = await createClient(g, { type: 'public', grant_types: ['authorization_code'], redirect_uris: ['https://spa.example/cb'] });
  await refused({ method: 'POST', url: `${API}/clients/${pub.client_id}/rotate-secret`, headers: admin }, 400, /public/);
});

test('delete: 204, then gone everywhere, its opaque tokens with it', async () => {
  const client = await createClient(g, { token_format: 'opaque' });
  const issued = await token(client);
  assert.equal(issued.statusCode, 200);
  const res = await g.app.inject({ method: 'DELETE', url: `${API}/clients/${client.client_id}`, headers: admin });
  assert.equal(res.statusCode, 204);
  assert.equal(res.body, '');
  assert.equal((await g.app.inject({ method: 'GET', url: `${API}/clients/${client.client_id}`, headers: admin })).statusCode, 404);
  assert.equal((await token(client)).statusCode, 401);
  const left = await g.services.storage.db.selectFrom('access_tokens').select('jti').where('client_id', '=', client.client_id).execute();
  assert.equal(left.length, 0);
  assert.ok((await auditEvents('client.deleted')).some((e) => e.client_id === client.client_id));
  await refused({ method: 'DELETE', url: `${API}/clients/${client.client_id}`, headers: admin }, 404);
});

test('keys: list and rotate through the admin API', async () => {
  const list = await g.app.inject({ method: 'GET', url: `${API}/keys`, headers: admin });
  assert.equal(list.statusCode, 200);
  const before = list.json().keys as { kid: string; status: string }[];
  assert.deepEqual(before.map((k) => k.status).sort(), ['current', 'next']);
  for (const k of before) assert.deepEqual(Object.keys(k).sort(), ['activated_at', 'alg', 'created_at', 'expires_at', 'kid', 'status']);
  const rotated = await g.app.inject({ method: 'POST', url: `${API}/keys/rotate`, headers: admin });
  assert.equal(rotated.statusCode, 200);
  const after = rotated.json().keys as { kid: string; status: string }[];
  assert.equal(after.find((k) => k.status === 'current')!.kid, before.find((k) => k.status === 'next')!.kid);
  assert.equal(after.find((k) => k.status === 'previous')!.kid, before.find((k) => k.status === 'current')!.kid);
  assert.equal((await auditEvents('key.rotated')).length, 1);
});

test('without a valid admin token every route is 401 with a challenge, audited as admin.auth_failed', async () => {
  const client = await createClient(g);
  const routes: InjectOptions[] = [
    { method: 'GET', url: `${API}/clients` },
    { method: 'POST', url: `${API}/clients`, payload: { name: 'sneaky' } },
    { method: 'GET', url: `${API}/clients/${client.client_id}` },
    { method: 'PATCH', url: `${API}/clients/${client.client_id}`, payload: { name: 'sneaky' } },
    { method: 'DELETE', url: `${API}/clients/${client.client_id}` },
    { method: 'POST', url: `${API}/clients/${client.client_id}/rotate-secret` },
    { method: 'GET', url: `${API}/keys` },
    { method: 'POST', url: `${API}/keys/rotate` },
    { method: 'GET', url: `${API}/audit-events` },
  ];
  const credentials: Record<string, string>[] = [
    {},
    { authorization: 'Bearer wrong-token-0123456789' },
    { authorization: `Bearer ${ADMIN_TOKEN}x` },
    { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
    { authorization: ADMIN_TOKEN },
    { authorization: 'Bearer' },
  ];
  const failuresBefore = (await auditEvents('admin.auth_failed')).length;
  for (const route of routes) {
    for (const headers of credentials) {
      const res = await refused({ ...route, headers }, 401);
      assert.equal(res.json().error.code, 'unauthorized');
      assert.match(String(res.headers['www-authenticate']), /^Bearer /);
    }
  }
  const failures = (await auditEvents('admin.auth_failed')).slice(failuresBefore);
  assert.equal(failures.length, routes.length * credentials.length);
  assert.ok(failures.every((e) => e.outcome === 'failure' && e.ip === '127.0.0.1'));
  assert.ok(failures.some((e) => e.details.route === `${API}/keys/rotate`));
  assert.ok(!JSON.stringify(failures).includes('wrong-token'), 'presented tokens are not recorded');
});

test('odd input is always a 4xx, never a 5xx', async () => {
  const client = await createClient(g);
  const requests: InjectOptions[] = [
    { method: 'GET', url: `${API}/clients/${'x'.repeat(300)}`, headers: admin },
    { method: 'GET', url: `${API}/clients/%00`, headers: admin },
    { method: 'GET', url: `${API}/clients/%E0%A4%A`, headers: admin },
    { method: 'GET', url: `${API}/clients/'%20or%201=1--`, headers: admin },
    { method: 'PATCH', url: `${API}/clients/${client.client_id}`, headers: { ...admin, 'content-type': 'application/json' }, payload: 'null' },
    { method: 'PATCH', url: `${API}/clients/${client.client_id}`, headers: admin, payload: { scopes: [null] } },
    { method: 'PATCH', url: `${API}/clients/${client.client_id}`, headers: admin, payload: { name: 'x'.repeat(201) } },
    { method: 'POST', url: `${API}/clients`, headers: admin, payload: { name: 'x', scopes: Array.from({ length: 101 }, (_, i) => `s${i}`) } },
    { method: 'POST', url: `${API}/clients`, headers: admin, payload: { name: 'x', access_token_ttl: 1e12 } },
    { method: 'POST', url: `${API}/clients`, headers: { ...admin, 'content-type': 'application/json' }, payload: '' },
    {
      method: 'POST',
      url: `${API}/clients`,
      headers: { ...admin, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', pad: 'y'.repeat(100_000) }),
    },
    { method: 'PUT', url: `${API}/clients/${client.client_id}`, headers: admin, payload: { name: 'x' } },
    { method: 'GET', url: `${API}/nothing-here`, headers: admin },
    // PostgreSQL text cannot hold NUL: such input is the caller's error, not the server's.
    { method: 'POST', url: `${API}/clients`, headers: admin, payload: { name: 'nul\u0000name' } },
    { method: 'PATCH', url: `${API}/clients/${client.client_id}`, headers: admin, payload: { scopes: ['a\u0000'] } },
    { method: 'GET', url: `${API}/audit-events?action=token.issued%00`, headers: admin },
  ];
  const before = await snapshot();
  for (const request of requests) {
    const res = await g.app.inject(request);
    assert.ok(
      res.statusCode >= 400 && res.statusCode < 500,
      `${request.method} ${(typeof request.url === 'string' ? request.url : JSON.stringify(request.url)).slice(0, 60)}: ${res.statusCode} ${res.body.slice(0, 200)}`,
    );
    assert.equal(typeof res.json().error.message, 'string');
  }
  assert.equal(await snapshot(), before);
});

test('bootstrap: with no admin token configured the first start mints one, stores its hash, and only once', async () => {
  const database = await createTestDatabase();
  const dataDir = database.url ? 'memory://' : await mkdtemp(path.join(tmpdir(), 'gatehouse-bootstrap-'));
  const config = (env: Record<string, string> = {}) => testConfig({ GATEHOUSE_ADMIN_TOKEN: '', GATEHOUSE_DATA_DIR: dataDir, ...env }, database.url);
  try {
    const first = await buildApp(config());
    let minted: string;
    try {
      minted = first.bootstrapAdminToken!;
      assert.equal(typeof minted, 'string');
      assert.ok(minted.length >= 40);
      const ok = await first.app.inject({ method: 'GET', url: `${API}/clients`, headers: { authorization: `Bearer ${minted}` } });
      assert.equal(ok.statusCode, 200);
      assert.equal((await first.app.inject({ method: 'GET', url: `${API}/clients`, headers: admin })).statusCode, 401, 'the test token is not configured here');
      const rows = await first.services.storage.db.selectFrom('admin_tokens').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0].token_hash, sha256(minted));
      assert.ok(!JSON.stringify(rows).includes(minted));
    } finally {
      await first.close();
    }

    const second = await buildApp(config());
    try {
      assert.equal(second.bootstrapAdminToken, undefined, 'a second start mints nothing');
      assert.equal((await second.app.inject({ method: 'GET', url: `${API}/keys`, headers: { authorization: `Bearer ${minted}` } })).statusCode, 200);
      assert.equal((await second.services.storage.db.selectFrom('admin_tokens').selectAll().execute()).length, 1);
    } finally {
      await second.close();
    }

    // A configured token works beside the stored one.
    const third = await buildApp(config({ GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN }));
    try {
      assert.equal(third.bootstrapAdminToken, undefined);
      assert.equal((await third.app.inject({ method: 'GET', url: `${API}/keys`, headers: admin })).statusCode, 200);
      assert.equal((await third.app.inject({ method: 'GET', url: `${API}/keys`, headers: { authorization: `Bearer ${minted}` } })).statusCode, 200);
    } finally {
      await third.close();
    }
  } finally {
    await database.drop();
    if (dataDir !== 'memory://') await rm(dataDir, { recursive: true, force: true });
  }
});

test('a configured admin token means no token is minted', async () => {
  assert.equal(g.bootstrapAdminToken, undefined);
  const rows = await g.services.storage.db.selectFrom('admin_tokens').selectAll().execute();
  assert.equal(rows.length, 0);
});
