// Gatehouse as a third-party client sees it: openid-client discovers a listening server, runs
// the client-credentials grant with either authentication method, introspects and revokes; jose
// verifies the tokens against the JWKS fetched over HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as oidc from 'openid-client';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { buildApp, type Gatehouse } from '../src/app.ts';
import { admin, createClient, createTestDatabase, testConfig } from './helpers.ts';
import type { Credentials } from './oauth-helpers.ts';

let g: Gatehouse;
let issuer: string;
let stop: () => Promise<void>;
let c: Credentials;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// The issuer must be the URL the server listens on, and configuration is fixed at build time:
// pick a free port, build for it, listen on it (again, should another process take it first).
before(async () => {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const database = await createTestDatabase();
    const url = `http://127.0.0.1:${port}`;
    const built = await buildApp(testConfig({ GATEHOUSE_PUBLIC_URL: url }, database.url));
    const teardown = async () => {
      await built.close();
      await database.drop();
    };
    try {
      await built.app.listen({ port, host: '127.0.0.1' });
    } catch (error) {
      await teardown();
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 3) throw error;
      continue;
    }
    [g, issuer, stop] = [built, url, teardown];
    break;
  }
  c = await createClient(g, { name: 'third-party integration', scopes: ['read', 'write'] });
});
after(() => stop());

// Plain http on a loopback address, for the test only.
const insecure = { execute: [oidc.allowInsecureRequests] };

test('openid-client discovers Gatehouse at both well-known paths', async () => {
  for (const algorithm of ['oidc', 'oauth2'] as const) {
    const config = await oidc.discovery(new URL(issuer), c.client_id, c.client_secret, oidc.ClientSecretBasic(c.client_secret), { ...insecure, algorithm });
    const m = config.serverMetadata();
    assert.equal(m.issuer, issuer, algorithm);
    assert.equal(m.token_endpoint, `${issuer}/oauth/token`);
    assert.equal(m.jwks_uri, `${issuer}/oauth/jwks`);
    assert.equal(m.introspection_endpoint, `${issuer}/oauth/introspect`);
    assert.equal(m.revocation_endpoint, `${issuer}/oauth/revoke`);
    assert.ok(m.grant_types_supported?.includes('client_credentials'));
  }
});

for (const [method, auth] of [['client_secret_basic', oidc.ClientSecretBasic], ['client_secret_post', oidc.ClientSecretPost]] as const) {
  test(`client_credentials with ${method}; jose verifies the token against the JWKS over HTTP`, async () => {
    const config = await oidc.discovery(new URL(issuer), c.client_id, c.client_secret, auth(c.client_secret), insecure);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'read' });
    assert.equal(tokens.token_type, 'bearer', 'openid-client lower-cases the type');
    assert.equal(tokens.scope, 'read');
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.refresh_token, undefined);
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer, audience: issuer, typ: 'at+jwt', algorithms: ['ES256'],
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'client_id', 'scope'],
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(payload.client_id, c.client_id);
    assert.equal(payload.sub, c.client_id);
    assert.equal(payload.scope, 'read');
  });
}

test('openid-client introspects and revokes; the revoked token is inactive', async () => {
  const config = await oidc.discovery(new URL(issuer), c.client_id, c.client_secret, oidc.ClientSecretBasic(c.client_secret), insecure);
  const tokens = await oidc.clientCredentialsGrant(config);
  assert.equal(tokens.scope, 'read write', 'no scope asked: all of the client\'s scopes');
  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(active.active, true);
  assert.equal(active.client_id, c.client_id);
  assert.equal(active.scope, 'read write');
  await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
});

test('a wrong secret surfaces in openid-client as a 401 with a Basic challenge', async () => {
  const config = await oidc.discovery(new URL(issuer), c.client_id, 'wrong-secret', oidc.ClientSecretBasic('wrong-secret'), insecure);
  await assert.rejects(oidc.clientCredentialsGrant(config), (error: oidc.WWWAuthenticateChallengeError) => {
    assert.equal(error.status, 401);
    assert.equal(error.cause[0].scheme, 'basic');
    assert.equal(error.cause[0].parameters.realm, 'gatehouse');
    return true;
  });
});

test('a JWKS cached by a relying party already holds the key the next rotation signs with', async () => {
  const config = await oidc.discovery(new URL(issuer), c.client_id, c.client_secret, oidc.ClientSecretBasic(c.client_secret), insecure);
  // Cached for an hour and never refetched within the test: a verifier that does not call back.
  const cached = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!), { cacheMaxAge: 3600_000, cooldownDuration: 3600_000 });
  const before = await oidc.clientCredentialsGrant(config);
  await jwtVerify(before.access_token, cached, { issuer, typ: 'at+jwt' });
  const rotated = await fetch(`${issuer}/admin/api/v1/keys/rotate`, { method: 'POST', headers: admin });
  assert.equal(rotated.status, 200);
  const after = await oidc.clientCredentialsGrant(config);
  assert.notEqual(decodeProtectedHeader(after.access_token).kid, decodeProtectedHeader(before.access_token).kid);
  await jwtVerify(after.access_token, cached, { issuer, typ: 'at+jwt' });
  await jwtVerify(before.access_token, cached, { issuer, typ: 'at+jwt' });
});
