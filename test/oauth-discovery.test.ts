// Authorization server metadata (RFC 8414) and the OpenID configuration built on it, and the
// endpoints they name actually being there.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';

const ISSUER = 'https://id.example.com';
const PATHS = ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

let g: TestGatehouse;

before(async () => {
  // A trailing slash in the configured URL is not part of the issuer.
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: `${ISSUER}/` });
});
after(() => g.stop());

async function metadata(path: string) {
  const res = await g.app.inject({ method: 'GET', url: path });
  assert.equal(res.statusCode, 200, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return res.json();
}

test('the OpenID configuration is the RFC 8414 document plus what OpenID Connect adds', async () => {
  const [oauth, openid] = await Promise.all(PATHS.map(metadata));
  for (const [field, value] of Object.entries(oauth)) assert.deepEqual(openid[field], value, field);
  // OAuth-only clients read no OpenID fields they cannot use.
  for (const field of ['userinfo_endpoint', 'end_session_endpoint', 'id_token_signing_alg_values_supported']) assert.equal(oauth[field], undefined, field);
  assert.equal(oauth.issuer, ISSUER);
  assert.equal(oauth.token_endpoint, `${ISSUER}/oauth/token`);
  assert.equal(oauth.jwks_uri, `${ISSUER}/oauth/jwks`);
  assert.equal(oauth.introspection_endpoint, `${ISSUER}/oauth/introspect`);
  assert.equal(oauth.revocation_endpoint, `${ISSUER}/oauth/revoke`);
  assert.equal(oauth.authorization_endpoint, `${ISSUER}/oauth/authorize`);
  assert.ok(oauth.grant_types_supported.includes('client_credentials'));
  assert.ok(oauth.response_types_supported.includes('code'));
  for (const field of [
    'token_endpoint_auth_methods_supported',
    'introspection_endpoint_auth_methods_supported',
    'revocation_endpoint_auth_methods_supported',
  ]) {
    assert.deepEqual([...(oauth[field] as string[])].sort(), ['client_secret_basic', 'client_secret_post'], field);
  }
  assert.ok(Array.isArray(oauth.scopes_supported));
  assert.deepEqual(oauth.code_challenge_methods_supported, ['S256']);
});

test('scopes_supported follows the registered clients', async () => {
  const before = (await metadata(PATHS[0])).scopes_supported as string[];
  assert.ok(!before.includes('reports:read'));
  await createClient(g, { scopes: ['reports:read', 'reports:write'] });
  await createClient(g, { scopes: ['reports:read'] });
  const after = (await metadata(PATHS[0])).scopes_supported as string[];
  assert.deepEqual(
    after.filter((s) => s.startsWith('reports:')),
    ['reports:read', 'reports:write'],
  );
  assert.equal(new Set(after).size, after.length, 'no duplicates');
});

test('every endpoint the metadata names is served at that path', async () => {
  const doc = await metadata(PATHS[1]);
  const path = (url: string) => {
    assert.ok(url.startsWith(`${ISSUER}/`), url);
    return new URL(url).pathname;
  };
  const jwks = await g.app.inject({ method: 'GET', url: path(doc.jwks_uri) });
  assert.equal(jwks.statusCode, 200);
  assert.ok(jwks.json().keys.length >= 2);
  for (const field of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
    // Without client credentials each answers an RFC 6749 error, not 404.
    const res = await g.app.inject({
      method: 'POST',
      url: path(doc[field]),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=x&grant_type=client_credentials',
    });
    assert.equal(res.statusCode, 401, `${field}: ${res.body}`);
    assert.equal(res.json().error, 'invalid_client');
  }
  const docs = await g.app.inject({ method: 'GET', url: path(doc.service_documentation) });
  assert.ok(docs.statusCode < 400, String(docs.statusCode));
});

test('unknown well-known paths are 404, and metadata is read-only', async () => {
  const missing = await g.app.inject({ method: 'GET', url: '/.well-known/webfinger' });
  assert.equal(missing.statusCode, 404);
  const post = await g.app.inject({ method: 'POST', url: PATHS[0], payload: {} });
  assert.equal(post.statusCode, 404);
});

test('OIDC Discovery 1.0 §3: every required field, and only what is implemented', async () => {
  const openid = await metadata(PATHS[1]);
  for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported']) {
    assert.ok(openid[field] !== undefined, field);
  }
  assert.equal(openid.userinfo_endpoint, `${ISSUER}/oauth/userinfo`);
  assert.equal(openid.end_session_endpoint, `${ISSUER}/oauth/end-session`);
  assert.deepEqual(openid.subject_types_supported, ['public']);
  // The configured algorithm only, and the JWKS holds keys of that algorithm only.
  assert.deepEqual(openid.id_token_signing_alg_values_supported, ['ES256']);
  assert.deepEqual(openid.access_token_signing_alg_values_supported, ['ES256']);
  for (const scope of ['openid', 'profile', 'email', 'organization']) assert.ok(openid.scopes_supported.includes(scope), scope);
  for (const claim of ['sub', 'auth_time', 'nonce', 'at_hash', 'amr', 'email', 'email_verified', 'name', 'org_id', 'org_name', 'org_role']) {
    assert.ok(openid.claims_supported.includes(claim), claim);
  }
  assert.equal(openid.claims_parameter_supported, false);
  assert.equal(openid.request_parameter_supported, false);
  assert.equal(openid.request_uri_parameter_supported, false);
  assert.deepEqual(openid.response_types_supported, ['code', 'token'], 'no id_token response types');
});
