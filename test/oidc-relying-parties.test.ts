// Relying parties no one here wrote, in OpenID Connect mode, against Gatehouse listening on
// loopback: openid-client 6 (discovery from /.well-known/openid-configuration, the code flow
// with PKCE and nonce, its own ID Token validation, UserInfo with its sub check, refresh, the
// logout URL) and oauth4webapi's OIDC helpers (processAuthorizationCodeResponse with
// expectedNonce and maxAge, the failures it reports for a missing or replayed nonce, another
// audience or an old sign-in, processUserInfoResponse). The ID Token's signature is checked
// against the published JWKS with jose, as a relying party that verifies it itself does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import * as oidc from 'openid-client';
import { freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { authorize, Browser, codeClient, tenant, type Tenant } from './interactive-helpers.ts';

const REDIRECT_URI = 'https://rp.example/callback';
const LOGGED_OUT_URI = 'https://rp.example/logged-out';
const SCOPE = 'openid profile email organization';

let g: TestGatehouse;
let issuer: string;
let who: Tenant;
let rp: { client_id: string; client_secret: string };
let browser: Browser;

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), issuer);
  who = await tenant(g);
  rp = await codeClient(g, { name: 'Relying Party', redirect_uris: [REDIRECT_URI], post_logout_redirect_uris: [LOGGED_OUT_URI], skip_consent: true });
  browser = new Browser(g);
  assert.equal((await browser.login(who.email, who.password)).statusCode, 303);
});
after(() => g.stop());

/** The signed-in user agent follows an authorization URL to the redirect URI. */
function follow(url: URL): Promise<URL> {
  assert.equal(url.origin, issuer);
  return authorize(browser, Object.fromEntries(url.searchParams));
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error as Error & { code?: string },
  );

test('openid-client 6: discovery, code flow with PKCE and nonce, ID Token validation, UserInfo, refresh, logout URL', async () => {
  const config = await oidc.discovery(new URL(issuer), rp.client_id, undefined, oidc.ClientSecretBasic(rp.client_secret), {
    execute: [oidc.allowInsecureRequests],
  });
  const meta = config.serverMetadata();
  assert.equal(meta.userinfo_endpoint, `${issuer}/oauth/userinfo`);
  assert.equal(meta.end_session_endpoint, `${issuer}/oauth/end-session`);
  assert.deepEqual(meta.id_token_signing_alg_values_supported, ['ES256']);

  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: SCOPE,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  const callback = await follow(url);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedNonce: nonce,
    expectedState: state,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  assert.equal(claims.sub, who.userId);
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.email, who.email);
  // The relying party checks the signature itself against the JWKS.
  const jwks = createRemoteJWKSet(new URL(meta.jwks_uri!));
  await jwtVerify(tokens.id_token!, jwks, { issuer, audience: rp.client_id, algorithms: ['ES256'] });

  const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
  assert.equal(info.sub, who.userId);
  assert.equal(info.email, who.email);
  assert.equal(info.org_id, who.organizationId);
  // openid-client refuses UserInfo for another subject than the ID Token's.
  const mismatch = await rejection(oidc.fetchUserInfo(config, tokens.access_token, 'someone-else'));
  assert.equal(mismatch.code, 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED');

  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  const again = refreshed.claims()!;
  assert.equal(again.sub, claims.sub);
  assert.equal(again.auth_time, claims.auth_time);

  const logout = oidc.buildEndSessionUrl(config, { id_token_hint: refreshed.id_token!, post_logout_redirect_uri: LOGGED_OUT_URI, state: 'bye' });
  assert.equal(logout.origin + logout.pathname, `${issuer}/oauth/end-session`);
  const signedOut = await browser.get(logout.pathname + logout.search);
  assert.equal(signedOut.statusCode, 303, signedOut.body.slice(0, 300));
  const back = new URL(signedOut.headers.location as string);
  assert.equal(back.origin + back.pathname, LOGGED_OUT_URI);
  assert.equal(back.searchParams.get('state'), 'bye');
  // The browser session is over: the next authorization request asks for a sign-in.
  const next = await browser.get(
    `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: rp.client_id, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }).toString()}`,
  );
  assert.match(next.headers.location as string, /^\/login\?/);
  assert.equal((await browser.login(who.email, who.password)).statusCode, 303);
});

test('oauth4webapi: processAuthorizationCodeResponse with expectedNonce and maxAge, and the failures it reports', async () => {
  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oidc', [oauth.allowInsecureRequests]: true }),
  );
  const client: oauth.Client = { client_id: rp.client_id };
  const auth = oauth.ClientSecretPost(rp.client_secret);
  const options = { [oauth.allowInsecureRequests]: true };

  /** One authorization: the callback parameters and the verifier. */
  const run = async (extra: Record<string, string>) => {
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: rp.client_id,
      redirect_uri: REDIRECT_URI,
      scope: SCOPE,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...extra,
    }))
      url.searchParams.set(k, v);
    const params = oauth.validateAuthResponse(as, client, await follow(url), oauth.expectNoState);
    return oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, options);
  };

  const nonce = oauth.generateRandomNonce();
  const good = await oauth.processAuthorizationCodeResponse(as, client, await run({ nonce }), { expectedNonce: nonce, requireIdToken: true, maxAge: 300 });
  const claims = oauth.getValidatedIdTokenClaims(good)!;
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.aud, rp.client_id);

  const info = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, good.access_token, options));
  assert.equal(info.sub, who.userId);
  assert.equal(info.email_verified, true);
  await rejection(oauth.processUserInfoResponse(as, client, 'not-this-user', await oauth.userInfoRequest(as, client, good.access_token, options)));

  // The relying party expected a nonce; the request went without one: no nonce came back.
  const missing = await rejection(oauth.processAuthorizationCodeResponse(as, client, await run({}), { expectedNonce: nonce }));
  assert.match(missing.message, /nonce/);
  // A nonce from an earlier flow (replayed): the ID Token carries the request's own.
  const replayed = await rejection(
    oauth.processAuthorizationCodeResponse(as, client, await run({ nonce: oauth.generateRandomNonce() }), { expectedNonce: nonce }),
  );
  assert.match(replayed.message, /nonce/);
  // The ID Token is for this client only: a relying party with another client_id refuses it.
  const other = await rejection(oauth.processAuthorizationCodeResponse(as, { client_id: 'another-client' }, await run({}), {}));
  assert.match(other.message, /aud/);
  // max_age=0 made Gatehouse ask for a new sign-in; its auth_time passes the library's check.
  const url = new URL(as.authorization_endpoint!);
  const verifier = oauth.generateRandomCodeVerifier();
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: rp.client_id,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    max_age: '0',
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(k, v);
  const first = await browser.get(url.pathname + url.search);
  const returnTo = new URL(first.headers.location as string, issuer).searchParams.get('return_to')!;
  assert.equal((await browser.login(who.email, who.password, returnTo)).statusCode, 303);
  const callback = await authorize(browser, Object.fromEntries(new URL(returnTo, issuer).searchParams));
  const params = oauth.validateAuthResponse(as, client, callback, oauth.expectNoState);
  const fresh = await oauth.processAuthorizationCodeResponse(
    as,
    client,
    await oauth.authorizationCodeGrantRequest(as, client, auth, params, REDIRECT_URI, verifier, options),
    { maxAge: 30 },
  );
  assert.ok(oauth.getValidatedIdTokenClaims(fresh)!.auth_time);
});
