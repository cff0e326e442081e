// Client authentication (RFC 6749 §2.3) as the token, introspection and revocation endpoints
// share it: client_secret_basic and client_secret_post in either body encoding, one method per
// request, 401 invalid_client with a challenge, secrets stored as SHA-256, and changes to a
// client (rotated secret, removed grant, deletion) taking effect on the next request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { InjectOptions } from 'fastify';
import { sha256 } from '../src/crypto.ts';
import { admin, basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

const FORM = 'application/x-www-form-urlencoded';
const ENDPOINTS = ['/oauth/token', '/oauth/introspect', '/oauth/revoke'] as const;

let g: TestGatehouse;
let c: { client_id: string; client_secret: string };
let jwt: string;

before(async () => {
  g = await startGatehouse();
  c = await createClient(g, { scopes: ['read'] });
  jwt = await issue(c);
});
after(() => g.stop());

async function issue(client: { client_id: string; client_secret: string }): Promise<string> {
  const res = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: basic(client.client_id, client.client_secret) },
    payload: 'grant_type=client_credentials',
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().access_token;
}

/** The endpoint's own parameters (what it needs besides client authentication). */
function paramsFor(url: string): Record<string, string> {
  return url === '/oauth/token' ? { grant_type: 'client_credentials' } : { token: jwt };
}

type Method = 'basic' | 'post-form' | 'post-json';

function request(url: string, method: Method, id: string, secret: string, extra: Record<string, string> = {}): InjectOptions {
  const params = { ...paramsFor(url), ...extra };
  if (method === 'basic')
    return { method: 'POST', url, headers: { 'content-type': FORM, authorization: basic(id, secret) }, payload: new URLSearchParams(params).toString() };
  const body = { ...params, client_id: id, client_secret: secret };
  if (method === 'post-form') return { method: 'POST', url, headers: { 'content-type': FORM }, payload: new URLSearchParams(body).toString() };
  return { method: 'POST', url, payload: body };
}

async function snapshot() {
  await g.services.audit.flush();
  const { rows } = await sql<{ state: string; audit: string | null }>`
    select (select count(*) from clients) || '/' || (select count(*) from access_tokens) || '/' ||
           (select count(*) from revoked_jtis) || '/' || (select coalesce(max(updated_at)::text, '') from clients) as state,
           (select max(id)::text from audit_events) as audit`.execute(g.services.storage.db);
  return { state: rows[0].state, audit: rows[0].audit ?? '0' };
}

async function refusedEvents(since: string) {
  await g.services.audit.flush();
  return g.services.storage.db.selectFrom('audit_events').selectAll().where('id', '>', since).where('action', '=', 'token.refused').execute();
}

/** A failed authentication: the status and error, no-store, a challenge on 401, no change, audited on /oauth/token. */
async function fails(req: InjectOptions, status: number, error: string) {
  const before = await snapshot();
  const res = await g.app.inject(req);
  assert.equal(res.statusCode, status, `${typeof req.url === 'string' ? req.url : JSON.stringify(req.url)}: ${res.body}`);
  assert.equal(res.json().error, error);
  assert.equal(typeof res.json().error_description, 'string');
  assert.equal(res.json().active, undefined, 'no introspection answer without authentication');
  assert.equal(res.headers['cache-control'], 'no-store');
  if (status === 401) assert.equal(res.headers['www-authenticate'], 'Basic realm="gatehouse", charset="UTF-8"');
  const after = await snapshot();
  assert.equal(after.state, before.state, 'the database is unchanged');
  if (req.url === '/oauth/token') {
    const events = await refusedEvents(before.audit);
    assert.equal(events.length, 1);
    assert.equal(events[0].details.error, error);
  }
  return res;
}

test('every endpoint accepts client_secret_basic and client_secret_post in form and JSON bodies', async () => {
  for (const url of ENDPOINTS) {
    for (const method of ['basic', 'post-form', 'post-json'] as const) {
      // Revoking an unknown token is 200 all the same (RFC 7009 §2.2) and keeps the shared JWT alive.
      const res = await g.app.inject(request(url, method, c.client_id, c.client_secret, url === '/oauth/revoke' ? { token: 'not-a-token' } : {}));
      assert.equal(res.statusCode, 200, `${url} ${method}: ${res.body}`);
      if (url === '/oauth/introspect') assert.equal(res.json().active, true, `${url} ${method}`);
      if (url === '/oauth/token') assert.equal(typeof res.json().access_token, 'string');
    }
  }
});

test('the Basic scheme is case-insensitive; another scheme in the header is not client authentication', async () => {
  const encoded = basic(c.client_id, c.client_secret).slice('Basic '.length);
  const lower = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': FORM, authorization: `basic ${encoded}` },
    payload: 'grant_type=client_credentials',
  });
  assert.equal(lower.statusCode, 200, lower.body);
  // A Bearer header says nothing about the client; the body's credentials authenticate it.
  const bearer = await g.app.inject({
    method: 'POST',
    url: '/oauth/introspect',
    headers: { 'content-type': FORM, authorization: `Bearer ${jwt}` },
    payload: `token=${jwt}&client_id=${c.client_id}&client_secret=${c.client_secret}`,
  });
  assert.equal(bearer.json().active, true);
  await fails(
    { method: 'POST', url: '/oauth/introspect', headers: { 'content-type': FORM, authorization: `Bearer ${jwt}` }, payload: `token=${jwt}` },
    401,
    'invalid_client',
  );
});

test('failures on every endpoint: none, wrong secret, unknown client, malformed header, both methods', async () => {
  for (const url of ENDPOINTS) {
    const params = new URLSearchParams(paramsFor(url)).toString();
    await fails({ method: 'POST', url, headers: { 'content-type': FORM }, payload: params }, 401, 'invalid_client');
    for (const method of ['basic', 'post-form', 'post-json'] as const) {
      await fails(request(url, method, c.client_id, 'wrong-secret'), 401, 'invalid_client');
      await fails(request(url, method, c.client_id, c.client_secret.slice(0, -1)), 401, 'invalid_client');
      await fails(request(url, method, 'unknown-client', c.client_secret), 401, 'invalid_client');
    }
    await fails({ method: 'POST', url, headers: { 'content-type': FORM, authorization: 'Basic' }, payload: params }, 401, 'invalid_client');
    await fails(
      { method: 'POST', url, headers: { 'content-type': FORM, authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }, payload: params },
      401,
      'invalid_client',
    );
    await fails({ method: 'POST', url, headers: { 'content-type': FORM }, payload: `${params}&client_secret=${c.client_secret}` }, 401, 'invalid_client');
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in each request.
    const both = await fails(
      request(url, 'basic', c.client_id, c.client_secret, { client_id: c.client_id, client_secret: c.client_secret }),
      400,
      'invalid_request',
    );
    assert.match(both.json().error_description, /both/);
    await fails(
      {
        method: 'POST',
        url,
        headers: { authorization: basic(c.client_id, c.client_secret) },
        payload: { ...paramsFor(url), client_id: c.client_id, client_secret: c.client_secret },
      },
      400,
      'invalid_request',
    );
  }
});

test('the secret is stored as SHA-256 only and shown once', async () => {
  const row = await g.services.storage.db.selectFrom('clients').selectAll().where('id', '=', c.client_id).executeTakeFirstOrThrow();
  assert.equal(row.secret_hash, sha256(c.client_secret));
  assert.ok(!JSON.stringify(row).includes(c.client_secret));
  assert.ok(Buffer.from(c.client_secret, 'base64url').length >= 32, 'at least 32 random bytes');
  const shown = await g.app.inject({ method: 'GET', url: `/admin/api/v1/clients/${c.client_id}`, headers: admin });
  assert.equal(shown.json().client_secret, undefined);
  assert.equal(shown.json().secret_hash, undefined);
});

test('a rotated secret, a removed grant or a deleted client takes effect on the next request', async () => {
  const other = await createClient(g, { scopes: ['read'] });
  await issue(other); // warm the cache
  const rotated = await g.app.inject({ method: 'POST', url: `/admin/api/v1/clients/${other.client_id}/rotate-secret`, headers: admin });
  assert.equal(rotated.statusCode, 200);
  const secret = rotated.json().client_secret as string;
  assert.notEqual(secret, other.client_secret);
  for (const url of ENDPOINTS) await fails(request(url, 'basic', other.client_id, other.client_secret), 401, 'invalid_client');
  await issue({ client_id: other.client_id, client_secret: secret });

  const patched = await g.app.inject({
    method: 'PATCH',
    url: `/admin/api/v1/clients/${other.client_id}`,
    headers: admin,
    payload: { grant_types: ['authorization_code'], redirect_uris: ['https://app.example/cb'], introspect: true },
  });
  assert.equal(patched.statusCode, 200, patched.body);
  await fails(request('/oauth/token', 'basic', other.client_id, secret), 400, 'unauthorized_client');
  // A resource server (the introspect permission) introspects any client's token, whatever its own grants.
  assert.equal((await g.app.inject(request('/oauth/introspect', 'basic', other.client_id, secret))).json().active, true);

  const deleted = await g.app.inject({ method: 'DELETE', url: `/admin/api/v1/clients/${other.client_id}`, headers: admin });
  assert.equal(deleted.statusCode, 204);
  for (const url of ENDPOINTS) await fails(request(url, 'post-json', other.client_id, secret), 401, 'invalid_client');
});

test('a public client identifies itself by client_id only where RFC 7009 allows it', async () => {
  const spa = await createClient(g, { type: 'public', grant_types: ['authorization_code'], redirect_uris: ['https://spa.example/cb'] });
  // Revocation: a public client may revoke its own tokens with just its id (an unknown token is still 200).
  const revoke = await g.app.inject({
    method: 'POST',
    url: '/oauth/revoke',
    headers: { 'content-type': FORM },
    payload: `token=whatever&client_id=${spa.client_id}`,
  });
  assert.equal(revoke.statusCode, 200, revoke.body);
  // Introspection is for confidential clients (resource servers).
  await fails(
    { method: 'POST', url: '/oauth/introspect', headers: { 'content-type': FORM }, payload: `token=${jwt}&client_id=${spa.client_id}` },
    401,
    'invalid_client',
  );
  await fails(
    { method: 'POST', url: '/oauth/token', headers: { 'content-type': FORM }, payload: `grant_type=client_credentials&client_id=${spa.client_id}` },
    401,
    'invalid_client',
  );
  // A public client has no secret: any secret it presents fails.
  await fails(request('/oauth/revoke', 'basic', spa.client_id, 'guess'), 401, 'invalid_client');
});
