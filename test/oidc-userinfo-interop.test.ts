// UserInfo read by two relying-party libraries no one here wrote, against a listening server,
// after each ran the code flow with PKCE and a nonce and validated the ID Token itself:
// oauth4webapi's processUserInfoResponse and openid-client 6's fetchUserInfo, each with its
// expected-subject check (OIDC Core §5.3.2: the UserInfo sub must be the ID Token's, or the
// response is refused), and each reading the RFC 6750 §3 challenge of a refusal. Both find the
// endpoint in the OpenID configuration. Plain http is for this loopback test only.
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
  // The identity scopes come with the authorization-code grant; read is the client's own.
  client = await codeClient(g, { name: 'Relying Party', scopes: ['read'] });
  const discovered = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
  );
  as = discovered;
  assert.equal(as.userinfo_endpoint, `${issuer}/oauth/userinfo`);
});
after(() => g.stop());

const REDIRECT_URI = 'https://app.example/cb';
const rpAuth = () => oauth.ClientSecretBasic(client.client_secret);

/**
 * oauth4webapi as the relying party: the code flow with a nonce, the callback and the token
 * response validated by the library (state, iss, the ID Token's claims and nonce). Returns the
 * access token and the ID Token's subject.
 */
async function signIn(scope = SCOPE): Promise<{ accessToken: string; sub: string }> {
  const nonce = oauth.generateRandomNonce();
  const { url, verifier } = await codeFor(g, who, client, { scope, nonce });
  const params = oauth.validateAuthResponse(as, rpClient(), url, 'st-1');
  const response = await oauth.authorizationCodeGrantRequest(as, rpClient(), rpAuth(), params, REDIRECT_URI, verifier, insecure);
  const result = await oauth.processAuthorizationCodeResponse(as, rpClient(), response, { expectedNonce: nonce, requireIdToken: true });
  const claims = oauth.getValidatedIdTokenClaims(result)!;
  assert.equal(claims.sub, who.userId);
  return { accessToken: result.access_token, sub: claims.sub };
}

/** A user access token without openid (no ID Token to validate). */
async function oauthOnlyToken(scope: string): Promise<string> {
  const { code, verifier } = await codeFor(g, who, client, { scope });
  const res = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
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

test("oauth4webapi: processUserInfoResponse accepts the answer for the ID Token's subject", async () => {
  const { accessToken, sub } = await signIn();
  const claims = await oauth.processUserInfoResponse(as, rpClient(), sub, await oauth.userInfoRequest(as, rpClient(), accessToken, insecure));
  assert.equal(claims.sub, who.userId);
  assert.equal(claims.email, who.email);
  assert.equal(claims.org_id, who.organizationId);
  assert.equal(claims.org_role, 'owner');
  assert.equal(typeof claims.updated_at, 'number');
});

test('oauth4webapi: a mismatching subject is refused by the library', async () => {
  const { accessToken } = await signIn();
  const response = await oauth.userInfoRequest(as, rpClient(), accessToken, insecure);
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
  const noOpenId = await oauthOnlyToken('profile read');
  const insufficient = (await rejection(
    oauth.processUserInfoResponse(as, rpClient(), oauth.skipSubjectCheck, await oauth.userInfoRequest(as, rpClient(), noOpenId, insecure)),
  )) as oauth.WWWAuthenticateChallengeError;
  assert.equal(insufficient.status, 403);
  assert.equal(insufficient.cause[0].parameters.error, 'insufficient_scope');
  assert.equal(insufficient.cause[0].parameters.scope, 'openid');
});

/** openid-client discovers Gatehouse as the client. */
async function configuration(): Promise<oidc.Configuration> {
  const config = await oidc.discovery(new URL(issuer), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
    execute: [oidc.allowInsecureRequests],
  });
  assert.equal(config.serverMetadata().userinfo_endpoint, `${issuer}/oauth/userinfo`);
  return config;
}

/** openid-client as the relying party: the code flow with PKCE and a nonce, the ID Token validated by the library. */
async function openidClientSignIn(config: oidc.Configuration) {
  const nonce = oidc.randomNonce();
  const { url, verifier } = await codeFor(g, who, client, { scope: SCOPE, nonce });
  const tokens = await oidc.authorizationCodeGrant(config, url, {
    pkceCodeVerifier: verifier,
    expectedState: 'st-1',
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { accessToken: tokens.access_token, sub: tokens.claims()!.sub };
}

test("openid-client 6: fetchUserInfo with its sub check against the ID Token's, and a foreign sub refused", async () => {
  const config = await configuration();
  const { accessToken, sub } = await openidClientSignIn(config);
  assert.equal(sub, who.userId);
  const claims = await oidc.fetchUserInfo(config, accessToken, sub);
  assert.equal(claims.sub, who.userId);
  assert.equal(claims.email, who.email);
  assert.equal(claims.org_name, (await g.services.organizations.find(who.organizationId))!.name);
  assert.equal(claims.email_verified, (await g.services.users.get(who.userId)).email_verified);
  const error = (await rejection(oidc.fetchUserInfo(config, accessToken, 'someone-else'))) as { code?: string };
  assert.equal(error.code, oauth.JSON_ATTRIBUTE_COMPARISON);
});

test('openid-client 6: a revoked token is a WWW-Authenticate invalid_token error', async () => {
  const config = await configuration();
  const { accessToken, sub } = await openidClientSignIn(config);
  await oidc.tokenRevocation(config, accessToken);
  const error = (await rejection(oidc.fetchUserInfo(config, accessToken, sub))) as oidc.WWWAuthenticateChallengeError;
  assert.ok(error instanceof oidc.WWWAuthenticateChallengeError, String(error));
  assert.equal(error.status, 401);
  assert.equal(error.cause[0].parameters.error, 'invalid_token');
});
