// Reproduces: any authenticated client could introspect any token, so vendor B could read vendor
// A's tokens (client, subject, scope, organization). RFC 7662 §2.1 and §4: a client sees only the
// tokens issued to it or whose audience it is; a resource server is given the `introspect`
// permission explicitly; everyone else gets {"active": false}.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { admin, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { introspect, issueToken } from './oauth-helpers.ts';
import { createVendor } from './oem-helpers.ts';

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

test("vendor B introspecting vendor A's JWT or opaque token learns nothing: {active: false}", async () => {
  const a = await createVendor(g, 'Vendor A');
  const b = await createVendor(g, 'Vendor B');
  const jwt = (await issueToken(g, a, 'vendor_manage')).access_token;
  const opaqueClient = await createClient(g, { scopes: ['read'], token_format: 'opaque' });
  const opaque = (await issueToken(g, opaqueClient, 'read')).access_token;
  for (const token of [jwt, opaque]) assert.deepEqual(await introspect(g, b, token), { active: false });
  // Each issuer still sees its own.
  assert.equal((await introspect(g, a, jwt)).active, true);
  assert.equal((await introspect(g, a, jwt)).client_id, a.client_id);
  assert.equal((await introspect(g, opaqueClient, opaque)).active, true);
});

test("a client given the introspect permission (admin API) reads every client's tokens; taking it away ends that", async () => {
  const issuer = await createClient(g, { scopes: ['read'] });
  const token = (await issueToken(g, issuer, 'read')).access_token;
  const rs = await createClient(g, { name: 'resource server', scopes: [] });
  assert.deepEqual(await introspect(g, rs, token), { active: false });

  const granted = await g.app.inject({ method: 'PATCH', url: `/admin/api/v1/clients/${rs.client_id}`, headers: admin, payload: { introspect: true } });
  assert.equal(granted.statusCode, 200, granted.body);
  assert.equal(granted.json().introspect, true);
  const answer = await introspect(g, rs, token);
  assert.equal(answer.active, true);
  assert.equal(answer.client_id, issuer.client_id);

  await g.app.inject({ method: 'PATCH', url: `/admin/api/v1/clients/${rs.client_id}`, headers: admin, payload: { introspect: false } });
  assert.deepEqual(await introspect(g, rs, token), { active: false });
});

test('the introspect field: created with it, shown, false by default, refused for a public client or a non-boolean', async () => {
  const rs = await createClient(g, { name: 'api', introspect: true });
  assert.equal(rs.introspect, true);
  assert.equal((await createClient(g, { name: 'plain' })).introspect, false);
  const pub = await g.app.inject({
    method: 'POST',
    url: '/admin/api/v1/clients',
    headers: admin,
    payload: { name: 'spa', type: 'public', grant_types: ['authorization_code'], introspect: true },
  });
  assert.equal(pub.statusCode, 400);
  assert.match(pub.json().error.message, /introspect/);
  const bad = await g.app.inject({ method: 'POST', url: '/admin/api/v1/clients', headers: admin, payload: { name: 'x', introspect: 'yes' } });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /introspect/);
});
