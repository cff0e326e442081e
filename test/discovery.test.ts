// Discovery: authorization server metadata (RFC 8414) at its own well-known path and at the
// OpenID one, and the JWKS it points to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { ISSUER } from './oauth-helpers.ts';

const PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];
let g: TestGatehouse;

before(async () => {
  g = await startGatehouse();
  await createClient(g, { name: 'reader', scopes: ['read', 'orders:write'] });
  await createClient(g, { name: 'writer', scopes: ['write', 'read'] });
});
after(() => g.stop());

async function metadata(path: string) {
  const res = await g.app.inject({ method: 'GET', url: path });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.json();
}

test('the metadata names the issuer and every endpoint, at both well-known paths', async () => {
  const [oauth, openid] = await Promise.all(PATHS.map(metadata));
  assert.deepEqual(openid, oauth, 'one document at both paths');
  // RFC 8414 §3.3: the issuer is identical to the URL the metadata was derived from.
  assert.equal(oauth.issuer, ISSUER);
  assert.equal(oauth.token_endpoint, `${ISSUER}/oauth/token`);
  assert.equal(oauth.jwks_uri, `${ISSUER}/oauth/jwks`);
  assert.equal(oauth.introspection_endpoint, `${ISSUER}/oauth/introspect`);
  assert.equal(oauth.revocation_endpoint, `${ISSUER}/oauth/revoke`);
  assert.equal(oauth.authorization_endpoint, `${ISSUER}/oauth/authorize`);
});

test('the metadata lists the supported grants, authentication methods and scopes', async () => {
  const m = await metadata(PATHS[0]);
  for (const grant of ['client_credentials', 'authorization_code', 'refresh_token']) assert.ok(m.grant_types_supported.includes(grant), grant);
  for (const field of ['token_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported']) {
    assert.deepEqual([...m[field]].sort(), ['client_secret_basic', 'client_secret_post'], field);
  }
  assert.deepEqual(m.scopes_supported, ['orders:write', 'read', 'write'], 'every scope some client may request, once');
  assert.ok(m.response_types_supported.includes('code'));
  assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
});

test('scopes_supported follows the clients as they change', async () => {
  await createClient(g, { name: 'auditor', scopes: ['audit:read'] });
  assert.ok((await metadata(PATHS[1])).scopes_supported.includes('audit:read'));
});

test('the JWKS at jwks_uri: public signing keys with kid, alg and use, and nothing private', async () => {
  const { jwks_uri: uri } = await metadata(PATHS[0]);
  const res = await g.app.inject({ method: 'GET', url: new URL(uri).pathname });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^application\/jwk-set\+json/);
  const { keys } = res.json();
  assert.equal(keys.length, 2, 'the current key and the next one');
  assert.equal(new Set(keys.map((k: { kid: string }) => k.kid)).size, 2, 'distinct kids');
  for (const key of keys) {
    assert.equal(key.kty, 'EC');
    assert.equal(key.crv, 'P-256');
    assert.equal(key.alg, 'ES256');
    assert.equal(key.use, 'sig');
    assert.equal(typeof key.kid, 'string');
    assert.equal(key.d, undefined, 'no private key material');
  }
});
