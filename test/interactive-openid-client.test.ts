// openid-client 6 as a real relying party of the authorization-code flow, against Gatehouse
// listening on loopback over plain HTTP: discovery, an authorization URL with PKCE S256 and
// state, the user's sign-in and consent (driven over the cookie-keeping Browser), the code
// exchanged with every check the library makes (state, iss per RFC 9207, the verifier), refresh
// with rotation, reuse detection, introspection and revocation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { authorize, Browser, codeClient, tenant, type Tenant } from './interactive-helpers.ts';

const REDIRECT_URI = 'https://rp.example/callback';

let g: TestGatehouse;
let issuer: string;
let who: Tenant;
let confidential: { client_id: string; client_secret: string };
let publicClient: { client_id: string };

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  g = await startGatehouse({ GATEHOUSE_PUBLIC_URL: issuer });
  assert.equal(await g.app.listen({ port, host: '127.0.0.1' }), issuer);
  who = await tenant(g);
  confidential = await codeClient(g, { name: 'Relying Party', redirect_uris: [REDIRECT_URI] });
  publicClient = await codeClient(g, { name: 'Public RP', type: 'public', redirect_uris: [REDIRECT_URI] });
});
after(() => g.stop());

/** Discover Gatehouse as the given client. Plain http is for this loopback test only. */
function discover(clientId: string, auth: oidc.ClientAuth) {
  return oidc.discovery(new URL(issuer), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** A fresh user agent opens the URL, is sent to sign in, signs in and decides. Returns where it lands. */
async function userAgent(authorizationUrl: URL, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  assert.equal(authorizationUrl.origin, issuer);
  const browser = new Browser(g);
  const first = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
  assert.equal(first.statusCode, 303, first.body);
  const login = new URL(first.headers.location as string, issuer);
  assert.equal(login.pathname, '/login');
  const returnTo = login.searchParams.get('return_to')!;
  const signedIn = await browser.login(who.email, who.password, returnTo);
  assert.equal(signedIn.statusCode, 303);
  assert.equal(signedIn.headers.location, returnTo, 'back to the authorization request after sign-in');
  return authorize(browser, Object.fromEntries(new URL(returnTo, issuer).searchParams), decision);
}

/** What the relying party keeps between sending the user away and the callback. */
async function startFlow(config: oidc.Configuration, scope = 'read write') {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { verifier, state, url };
}

/** The thrown value of a promise expected to reject. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  );

test('discovery: the endpoints and capabilities a code-flow relying party relies on', async () => {
  const meta = (await discover(confidential.client_id, oidc.ClientSecretBasic(confidential.client_secret))).serverMetadata();
  assert.equal(meta.issuer, issuer);
  assert.equal(meta.authorization_endpoint, `${issuer}/oauth/authorize`);
  assert.equal(meta.token_endpoint, `${issuer}/oauth/token`);
  assert.equal(meta.revocation_endpoint, `${issuer}/oauth/revoke`);
  assert.equal(meta.introspection_endpoint, `${issuer}/oauth/introspect`);
  assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
  assert.equal(meta.authorization_response_iss_parameter_supported, true, 'so openid-client checks iss');
  assert.ok(meta.grant_types_supported?.includes('refresh_token'));
});

test('authorization code with PKCE: state and iss are checked before the code is spent', async () => {
  const config = await discover(confidential.client_id, oidc.ClientSecretBasic(confidential.client_secret));
  const { verifier, state, url } = await startFlow(config);
  assert.equal(url.searchParams.get('client_id'), confidential.client_id);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  const callback = await userAgent(url);
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
  assert.equal(callback.searchParams.get('iss'), issuer);

  // A callback for another flow (state) or from another server (iss, RFC 9207 §2.4) is refused
  // by the library without calling the token endpoint.
  const wrongState = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: oidc.randomState() }));
  assert.ok(wrongState instanceof oidc.ClientError, String(wrongState));
  assert.equal((wrongState.cause as Error).message, 'unexpected "state" response parameter value');
  const mixUp = new URL(callback);
  mixUp.searchParams.set('iss', 'http://attacker.example');
  const wrongIssuer = await rejection(oidc.authorizationCodeGrant(config, mixUp, { pkceCodeVerifier: verifier, expectedState: state }));
  assert.ok(wrongIssuer instanceof oidc.ClientError, String(wrongIssuer));
  assert.equal((wrongIssuer.cause as Error).message, 'unexpected "iss" (issuer) response parameter value');
  const noIssuer = new URL(callback);
  noIssuer.searchParams.delete('iss');
  const missing = await rejection(oidc.authorizationCodeGrant(config, noIssuer, { pkceCodeVerifier: verifier, expectedState: state }));
  assert.equal(((missing as Error).cause as Error).message, 'response parameter "iss" (issuer) missing');

  // The server checks the verifier; a refusal leaves the code unspent.
  const wrongVerifier = await rejection(
    oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
  );
  assert.ok(wrongVerifier instanceof oidc.ResponseBodyError, String(wrongVerifier));
  assert.equal(wrongVerifier.status, 400);
  assert.equal(wrongVerifier.error, 'invalid_grant');
  assert.match(wrongVerifier.error_description!, /code_verifier/);

  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal(tokens.token_type, 'bearer', 'openid-client normalises the type');
  assert.equal(tokens.scope, 'read write');
  assert.ok(tokens.expiresIn()! > 0);
  assert.match(tokens.refresh_token!, /./);
  const claims = tokens.claims();
  assert.equal(claims, undefined, 'OAuth only: no ID token');

  const active = await oidc.tokenIntrospection(config, tokens.access_token);
  assert.equal(active.active, true);
  assert.equal(active.sub, who.userId);
  assert.equal(active.client_id, confidential.client_id);
  assert.equal(active.scope, 'read write');

  const replay = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }));
  assert.ok(replay instanceof oidc.ResponseBodyError);
  assert.equal(replay.error, 'invalid_grant');
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false, 'a replayed code revokes what it issued (RFC 9700 §4.2.4)');
});

test('a denial reaches the relying party as an authorization error', async () => {
  const config = await discover(confidential.client_id, oidc.ClientSecretBasic(confidential.client_secret));
  const { verifier, state, url } = await startFlow(config, 'read');
  const callback = await userAgent(url, 'deny');
  const error = await rejection(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }));
  assert.ok(error instanceof oidc.AuthorizationResponseError, String(error));
  assert.equal(error.error, 'access_denied');
});

test('refresh rotates the token; revoking it ends the grant; a refresh after that is invalid_grant', async () => {
  const config = await discover(confidential.client_id, oidc.ClientSecretPost(confidential.client_secret));
  const { verifier, state, url } = await startFlow(config);
  const first = await oidc.authorizationCodeGrant(config, await userAgent(url), { pkceCodeVerifier: verifier, expectedState: state });

  const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
  assert.notEqual(second.refresh_token, first.refresh_token, 'rotation: a new refresh token (RFC 9700 §4.14.2)');
  assert.notEqual(second.access_token, first.access_token);
  assert.equal(second.scope, 'read write');
  const narrower = await oidc.refreshTokenGrant(config, second.refresh_token!, { scope: 'read' });
  assert.equal(narrower.scope, 'read', 'a narrower scope may be asked for (RFC 6749 §6)');
  const wider = await rejection(oidc.refreshTokenGrant(config, narrower.refresh_token!, { scope: 'read write admin' }));
  assert.ok(wider instanceof oidc.ResponseBodyError);
  assert.equal(wider.error, 'invalid_scope');

  // A refused refresh leaves the token usable; revoke it (RFC 7009) and the grant is gone.
  const live = await oidc.refreshTokenGrant(config, narrower.refresh_token!);
  await oidc.tokenRevocation(config, live.refresh_token!, { token_type_hint: 'refresh_token' });
  const refused = await rejection(oidc.refreshTokenGrant(config, live.refresh_token!));
  assert.ok(refused instanceof oidc.ResponseBodyError, String(refused));
  assert.equal(refused.status, 400);
  assert.equal(refused.error, 'invalid_grant');
  assert.equal((await oidc.tokenIntrospection(config, live.access_token)).active, false, "the grant's access token goes with it (RFC 7009 §2.1)");
  assert.equal((await oidc.tokenIntrospection(config, live.refresh_token!)).active, false);
  // Revoking again is still a success (RFC 7009 §2.2).
  await oidc.tokenRevocation(config, live.refresh_token!);
});

test('presenting a rotated refresh token again revokes the whole family', async () => {
  const config = await discover(confidential.client_id, oidc.ClientSecretBasic(confidential.client_secret));
  const { verifier, state, url } = await startFlow(config);
  const first = await oidc.authorizationCodeGrant(config, await userAgent(url), { pkceCodeVerifier: verifier, expectedState: state });
  const second = await oidc.refreshTokenGrant(config, first.refresh_token!);
  const reuse = await rejection(oidc.refreshTokenGrant(config, first.refresh_token!));
  assert.ok(reuse instanceof oidc.ResponseBodyError);
  assert.equal(reuse.error, 'invalid_grant');
  const after = await rejection(oidc.refreshTokenGrant(config, second.refresh_token!));
  assert.ok(after instanceof oidc.ResponseBodyError);
  assert.equal(after.error, 'invalid_grant', 'the newest token of the family is revoked as well');
  assert.equal((await oidc.tokenIntrospection(config, second.access_token)).active, false);
});

test('a public client: PKCE instead of a secret, and its refresh token is its own', async () => {
  const config = await discover(publicClient.client_id, oidc.None());
  const { verifier, state, url } = await startFlow(config);
  const callback = await userAgent(url);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  assert.equal(tokens.scope, 'read write');
  const rotated = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
  assert.notEqual(rotated.refresh_token, tokens.refresh_token);

  // Another client cannot spend it.
  const other = await discover(confidential.client_id, oidc.ClientSecretBasic(confidential.client_secret));
  const stolen = await rejection(oidc.refreshTokenGrant(other, rotated.refresh_token!));
  assert.ok(stolen instanceof oidc.ResponseBodyError);
  assert.equal(stolen.error, 'invalid_grant');
  const still = await oidc.refreshTokenGrant(config, rotated.refresh_token!);
  assert.match(still.access_token, /./, 'the owner still can');
});
