// A real third-party client against a listening server: openid-client discovers Gatehouse,
// runs the client-credentials grant with each authentication method, introspects and revokes;
// jose fetches the JWKS over HTTP and verifies the token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';

let g: TestGatehouse;
let issuer: string;
let c: { client_id: string; client_secret: string };

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  const address = await g.app.listen({ port, host: '127.0.0.1' });
  assert.equal(address, issuer);
  c = await createClient(g, { scopes: ['read', 'write'] });
});
after(() => g.stop());

async function discover(algorithm: 'oidc' | 'oauth2', auth: oidc.ClientAuth) {
  // Plain http is for this loopback test only.
  return oidc.discovery(new URL(issuer), c.client_id, c.client_secret, auth, { algorithm, execute: [oidc.allowInsecureRequests] });
}

test('openid-client discovers the server at either well-known path', async () => {
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    const config = await discover(algorithm, oidc.ClientSecretBasic(c.client_secret));
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, issuer, algorithm);
    assert.equal(meta.token_endpoint, `${issuer}/oauth/token`);
    assert.equal(meta.jwks_uri, `${issuer}/oauth/jwks`);
  }
});

test('client-credentials grant with client_secret_basic; jose verifies the token against the remote JWKS', async () => {
  const config = await discover('oauth2', oidc.ClientSecretBasic(c.client_secret));
  const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
  assert.equal(tokens.token_type.toLowerCase(), 'bearer');
  assert.equal(tokens.scope, 'read');
  assert.ok(tokens.expiresIn()! > 3500);
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
  const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['ES256'] });
  assert.equal(protectedHeader.alg, 'ES256');
  assert.equal(payload.client_id, c.client_id);
  assert.equal(payload.sub, c.client_id);
  assert.equal(payload.scope, 'read');
});

test('client_secret_post, then introspection and revocation through the same client', async () => {
  const config = await discover('oidc', oidc.ClientSecretPost(c.client_secret));
  const tokens = await oidc.clientCredentialsGrant(config);
  assert.equal(tokens.scope, 'read write', "an omitted scope is all of the client's");
  const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(introspected.active, true);
  assert.equal(introspected.client_id, c.client_id);
  await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
});

test('a wrong secret surfaces as a 401 Basic challenge with invalid_client', async () => {
  const config = await oidc.discovery(new URL(issuer), c.client_id, 'wrong', oidc.ClientSecretBasic('wrong'), { execute: [oidc.allowInsecureRequests] });
  const error = await oidc.clientCredentialsGrant(config).then(
    () => undefined,
    (e: unknown) => e,
  );
  // The library reads the WWW-Authenticate header first and hands back the untouched response.
  assert.ok(error instanceof oidc.WWWAuthenticateChallengeError, String(error));
  assert.equal(error.status, 401);
  assert.equal(error.cause[0].scheme, 'basic');
  assert.equal(error.cause[0].parameters.realm, 'gatehouse');
  assert.equal(((await error.response.json()) as { error: string }).error, 'invalid_client');
});
