// UserInfo read by two relying-party libraries no one here wrote, against a listening server:
// oauth4webapi's userInfoRequest and processUserInfoResponse, and openid-client 6's
// fetchUserInfo, each with its expected-subject check (OIDC Core §5.3.2: the sub must match the
// ID Token's, or the response is refused), and each reading the RFC 6750 §3 challenge of a
// refusal. Plain http is for this loopback test only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import { basic, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { codeClient, codeFor, tenant, type Tenant } from './interactive-helpers.ts';

const SCOPE = 'openid profile email organization';

let g: TestGatehouse;
let issuer: string;
let who: Tenant;
let client: { client_id: string; client_secret: string };
let as: oauth.AuthorizationServer;

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  await g.app.listen({ port, host: '127.0.0.1' });
  who = await tenant(g);
  client = await codeClient(g, { name: 'Relying Party', scopes: ['openid', 'profile', 'email', 'organization', 'read'] });
  const discovered = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
  );
  // The discovery document names userinfo_endpoint once it is published there; the path is this one.
  as = { ...discovered, userinfo_endpoint: discovered.userinfo_endpoint ?? `${issuer}/oauth/userinfo` };
  assert.equal(as.userinfo_endpoint, `${issuer}/oauth/userinfo`);
});
after(() => g.stop());

/** An access token the user granted through the code flow. */
async function accessToken(scope = SCOPE): Promise<string> {
  const { code, verifier } = await codeFor(g, who, client, { scope });
  const res = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

const rpClient: () => oauth.Client = () => ({ client_id: client.client_id });
const insecure = { [oauth.allowInsecureRequests]: true };

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

test('oauth4webapi: processUserInfoResponse accepts the answer for the expected subject', async () => {
  const token = await accessToken();
  const claims = await oauth.processUserInfoResponse(as, rpClient(), who.userId, await oauth.userInfoRequest(as, rpClient(), token, insecure));
  assert.equal(claims.sub, who.userId);
  assert.equal(claims.email, who.email);
  assert.equal(claims.org_id, who.organizationId);
  assert.equal(claims.org_role, 'owner');
  assert.equal(typeof claims.updated_at, 'number');
});

test('oauth4webapi: a mismatching subject is refused by the library', async () => {
  const token = await accessToken();
  const response = await oauth.userInfoRequest(as, rpClient(), token, insecure);
  const error = (await rejection(oauth.processUserInfoResponse(as, rpClient(), 'someone-else', response))) as oauth.OperationProcessingError;
  assert.ok(error instanceof oauth.OperationProcessingError, String(error));
  assert.equal(error.code, oauth.JSON_ATTRIBUTE_COMPARISON);
});

test("oauth4webapi: the refusals' challenges parse as RFC 6750 §3 says", async () => {
  const invalid = (await rejection(
    oauth.processUserInfoResponse(as, rpClient(), oauth.skipSubjectCheck, await oauth.userInfoRequest(as, rpClient(), 'gho_unknown', insecure)),
  )) as oauth.WWWAuthenticateChallengeError;
  assert.ok(invalid instanceof oauth.WWWAuthenticateChallengeError, String(invalid));
  assert.equal(invalid.status, 401);
  assert.equal(invalid.cause[0].scheme, 'bearer');
  assert.equal(invalid.cause[0].parameters.error, 'invalid_token');
  const noOpenId = await accessToken('profile read');
  const insufficient = (await rejection(
    oauth.processUserInfoResponse(as, rpClient(), oauth.skipSubjectCheck, await oauth.userInfoRequest(as, rpClient(), noOpenId, insecure)),
  )) as oauth.WWWAuthenticateChallengeError;
  assert.equal(insufficient.status, 403);
  assert.equal(insufficient.cause[0].parameters.error, 'insufficient_scope');
  assert.equal(insufficient.cause[0].parameters.scope, 'openid');
});

/** openid-client's configuration for the client, with the UserInfo endpoint. */
async function configuration(): Promise<oidc.Configuration> {
  const discovered = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
    execute: [oidc.allowInsecureRequests],
  });
  // The metadata as data (serverMetadata() adds a helper method).
  const server = JSON.parse(JSON.stringify(discovered.serverMetadata())) as oidc.ServerMetadata;
  const config = new oidc.Configuration(
    { ...server, userinfo_endpoint: server.userinfo_endpoint ?? `${issuer}/oauth/userinfo` },
    client.client_id,
    undefined,
    oidc.ClientSecretBasic(client.client_secret),
  );
  oidc.allowInsecureRequests(config);
  return config;
}

test('openid-client 6: fetchUserInfo with its sub check, and a foreign sub refused', async () => {
  const config = await configuration();
  const token = await accessToken();
  const claims = await oidc.fetchUserInfo(config, token, who.userId);
  assert.equal(claims.sub, who.userId);
  assert.equal(claims.email, who.email);
  assert.equal(claims.email_verified, (await g.services.users.get(who.userId)).email_verified);
  const error = (await rejection(oidc.fetchUserInfo(config, token, 'someone-else'))) as { code?: string };
  assert.equal(error.code, oauth.JSON_ATTRIBUTE_COMPARISON);
});

test('openid-client 6: a revoked token is a WWW-Authenticate invalid_token error', async () => {
  const config = await configuration();
  const token = await accessToken();
  await oidc.tokenRevocation(config, token);
  const error = (await rejection(oidc.fetchUserInfo(config, token, who.userId))) as oidc.WWWAuthenticateChallengeError;
  assert.ok(error instanceof oidc.WWWAuthenticateChallengeError, String(error));
  assert.equal(error.status, 401);
  assert.equal(error.cause[0].parameters.error, 'invalid_token');
});
