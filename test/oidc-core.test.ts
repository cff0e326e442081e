// OpenID Connect Core on the authorization-code flow: the ID Token and its claims (§2, §3.1.3.6,
// §3.1.3.7, §12.2), the scopes and claims (§5.4), the authorization request parameters
// (§3.1.2.1: prompt, max_age, nonce, login_hint, id_token_hint, claims, request, request_uri)
// and the errors prompt=none answers with (§3.1.2.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { launchToken } from '../src/oauth/launch.ts';
import { basic, startGatehouse } from './helpers.ts';
import { authorize, authorizeUrl, Browser, codeClient, csrfOf, pkce, tenant } from './interactive-helpers.ts';

const CB = 'https://app.example/cb';
const OIDC_SCOPE = 'openid profile email organization';

test('OpenID Connect Core', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const acme = await tenant(g);
  const client = await codeClient(g, { name: 'Sign in with Gatehouse' });
  const jwks = createLocalJWKSet(JSON.parse((await g.app.inject({ method: 'GET', url: '/oauth/jwks' })).body));
  const issuer = g.services.config.publicUrl;

  const exchange = async (code: string, verifier: string, c: { client_id: string; client_secret?: string } = client) => {
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: basic(c.client_id, c.client_secret!), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: verifier }).toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { access_token: string; id_token?: string; refresh_token?: string; scope: string };
  };
  const refresh = async (token: string, scope?: string) => {
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: basic(client.client_id, client.client_secret!), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, ...(scope ? { scope } : {}) }).toString(),
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { access_token: string; id_token?: string; refresh_token: string };
  };
  const signedIn = async () => {
    const browser = new Browser(g);
    const res = await browser.login(acme.email, acme.password);
    assert.equal(res.statusCode, 303);
    return browser;
  };
  const request = (extra: Record<string, string | undefined>) => {
    const { verifier, challenge } = pkce();
    return {
      verifier,
      params: {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: CB,
        state: 'st',
        code_challenge: challenge,
        code_challenge_method: 'S256',
        scope: OIDC_SCOPE,
        ...extra,
      },
    };
  };
  /** The error a redirect carries, after checking it went to the client with state and iss. */
  const redirectError = (location: string) => {
    const url = new URL(location);
    assert.equal(url.origin + url.pathname, CB);
    assert.equal(url.searchParams.get('state'), 'st');
    assert.equal(url.searchParams.get('iss'), issuer);
    return { error: url.searchParams.get('error'), description: url.searchParams.get('error_description') };
  };

  await t.test('the code flow with openid returns an ID Token with every claim §2 and §5.4 name, verifiable through the JWKS', async () => {
    const browser = await signedIn();
    const before = Math.floor(Date.now() / 1000);
    const { verifier, params } = request({ nonce: 'n-0S6_WzA2Mj' });
    const url = await authorize(browser, params);
    const body = await exchange(url.searchParams.get('code')!, verifier);
    assert.ok(body.id_token, 'an id_token');
    assert.equal(decodeProtectedHeader(body.id_token).typ, 'JWT');
    assert.equal(decodeProtectedHeader(body.id_token).alg, 'ES256');
    const { payload } = await jwtVerify(body.id_token, jwks, { issuer, audience: client.client_id });
    assert.equal(payload.sub, acme.userId);
    assert.equal(payload.nonce, 'n-0S6_WzA2Mj');
    assert.deepEqual(payload.amr, ['pwd']);
    assert.equal(payload.exp! - payload.iat!, g.services.config.idTokenTtl);
    assert.ok(typeof payload.auth_time === 'number' && payload.auth_time <= payload.iat! && payload.auth_time >= before - 5);
    // §3.1.3.6: at_hash is the left half of SHA-256 over the access token (ES256).
    const digest = createHash('sha256').update(body.access_token, 'ascii').digest();
    assert.equal(payload.at_hash, digest.subarray(0, 16).toString('base64url'));
    assert.equal(payload.email, acme.email);
    assert.equal(payload.email_verified, true, 'an OEM-created user');
    assert.equal(payload.org_id, acme.organizationId);
    assert.equal(payload.org_role, 'owner');
    assert.equal(typeof payload.org_name, 'string');
    assert.equal(typeof payload.updated_at, 'number');
    assert.equal(typeof payload.name, 'string');
    assert.equal(body.scope, OIDC_SCOPE);
  });

  await t.test('no openid in the scope: a plain OAuth answer, no ID Token; no nonce sent: none in the ID Token', async () => {
    const browser = await signedIn();
    const plain = request({ scope: 'read' });
    const oauthOnly = await exchange((await authorize(browser, plain.params)).searchParams.get('code')!, plain.verifier);
    assert.equal(oauthOnly.id_token, undefined);
    const bare = request({ scope: 'openid' });
    const noNonce = await exchange((await authorize(browser, bare.params)).searchParams.get('code')!, bare.verifier);
    const claims = decodeJwt(noNonce.id_token!);
    assert.equal(claims.nonce, undefined);
    // openid alone releases sub and the protocol claims, nothing about the person.
    for (const claim of ['email', 'name', 'org_id']) assert.equal(claims[claim], undefined, claim);
  });

  await t.test('§12.2: a refresh returns a new ID Token with the original auth_time and no nonce; a narrower scope without openid gets none', async () => {
    const browser = await signedIn();
    const { verifier, params } = request({ nonce: 'first' });
    const first = await exchange((await authorize(browser, params)).searchParams.get('code')!, verifier);
    const original = decodeJwt(first.id_token!);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const next = await refresh(first.refresh_token!);
    const { payload } = await jwtVerify(next.id_token!, jwks, { issuer, audience: client.client_id });
    assert.equal(payload.sub, original.sub);
    assert.equal(payload.auth_time, original.auth_time);
    assert.equal(payload.nonce, undefined);
    assert.ok(payload.iat! > original.iat!);
    const narrowed = await refresh(next.refresh_token, 'profile email');
    assert.equal(narrowed.id_token, undefined);
  });

  await t.test('email_verified is false for a dashboard invitation until its link is used', async () => {
    const invited = await g.services.users.add(acme.organizationId, { email: 'new.hire@example.com', role: 'member', emailVerified: false });
    assert.equal(invited.email_verified, false);
    const link = await g.services.passwordLinks.create(invited.id);
    const browser = new Browser(g);
    const path = new URL(link.url).pathname;
    const form = await browser.get(path);
    const set = await browser.post(path, { csrf: csrfOf(form.body), password: 'a long enough passphrase 1', confirm: 'a long enough passphrase 1' });
    assert.equal(set.statusCode, 303, set.body);
    assert.equal((await g.services.users.get(invited.id)).email_verified, true);
  });

  await t.test('prompt=none answers at the redirect URI without a page: login_required, consent_required, interaction_required', async () => {
    const anonymous = new Browser(g);
    let res = await anonymous.get(authorizeUrl(request({ prompt: 'none' }).params));
    assert.equal(res.statusCode, 303);
    assert.equal(redirectError(res.headers.location as string).error, 'login_required');

    const fresh = await codeClient(g, { name: 'Never consented' });
    const browser = await signedIn();
    res = await browser.get(authorizeUrl({ ...request({ prompt: 'none' }).params, client_id: fresh.client_id }));
    assert.equal(redirectError(res.headers.location as string).error, 'consent_required');
    // A client the user never approved learns nothing from login_hint: the same answer either way.
    for (const hint of [acme.email, 'someone.else@example.com']) {
      res = await browser.get(authorizeUrl({ ...request({ prompt: 'none', login_hint: hint }).params, client_id: fresh.client_id }));
      assert.equal(redirectError(res.headers.location as string).error, 'consent_required', hint);
    }

    // Consent remembered (the first test consented to this client and scope): a code, no page.
    res = await browser.get(authorizeUrl(request({ prompt: 'none' }).params));
    assert.ok(new URL(res.headers.location as string).searchParams.get('code'));

    res = await browser.get(authorizeUrl(request({ prompt: 'none', login_hint: 'someone.else@example.com' }).params));
    assert.equal(redirectError(res.headers.location as string).error, 'interaction_required');
    res = await browser.get(authorizeUrl(request({ prompt: 'none', login_hint: acme.email.toUpperCase() }).params));
    assert.ok(new URL(res.headers.location as string).searchParams.get('code'), 'the hint names the signed-in account');

    res = await browser.get(authorizeUrl(request({ prompt: 'none', max_age: '0' }).params));
    assert.equal(redirectError(res.headers.location as string).error, 'login_required');

    res = await browser.get(authorizeUrl(request({ prompt: 'none login' }).params));
    assert.equal(redirectError(res.headers.location as string).error, 'invalid_request');
  });

  await t.test('prompt=login and max_age=0 send a signed-in user to sign in again, once, and auth_time says when', async () => {
    for (const extra of [{ prompt: 'login' }, { max_age: '0' }, { prompt: 'select_account' }]) {
      const browser = await signedIn();
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const { verifier, params } = request(extra);
      const res = await browser.get(authorizeUrl(params));
      assert.equal(res.statusCode, 303);
      const location = new URL(res.headers.location as string, 'http://x');
      assert.equal(location.pathname, '/login', JSON.stringify(extra));
      const returnTo = location.searchParams.get('return_to')!;
      assert.match(returnTo, /login_after=v1\./, 'a sealed mark');
      const before = Math.floor(Date.now() / 1000);
      const again = await browser.login(acme.email, acme.password, returnTo);
      assert.equal(again.statusCode, 303);
      const url = await authorize(browser, Object.fromEntries(new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1))));
      const code = url.searchParams.get('code');
      assert.ok(code, `a code after signing in again (${JSON.stringify(extra)})`);
      const claims = decodeJwt((await exchange(code, verifier)).id_token!);
      assert.ok((claims.auth_time as number) >= before, 'auth_time is the new sign-in');
    }
  });

  await t.test('prompt=login with nobody signed in takes one sign-in, not two', async () => {
    const browser = new Browser(g);
    const { verifier, params } = request({ prompt: 'login', max_age: '0' });
    const res = await browser.get(authorizeUrl(params));
    const returnTo = new URL(res.headers.location as string, 'http://x').searchParams.get('return_to')!;
    assert.equal((await browser.login(acme.email, acme.password, returnTo)).statusCode, 303);
    const url = await authorize(browser, Object.fromEntries(new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1))));
    assert.ok((await exchange(url.searchParams.get('code')!, verifier)).id_token);
  });

  await t.test("a made-up or another client's login_after mark does not satisfy prompt=login or max_age", async () => {
    const browser = await signedIn();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await codeClient(g, { name: 'Another app' });
    const theirs = g.services.sealer.seal(`${Math.floor(Date.now() / 1000) - 60} ${second.client_id}`);
    for (const mark of [String(Math.floor(Date.now() / 1000) - 60), '1000', theirs, 'v1.x.y.z.w']) {
      for (const extra of [{ prompt: 'login' }, { max_age: '0' }]) {
        const res = await browser.get(authorizeUrl(request({ ...extra, login_after: mark }).params));
        assert.equal(new URL(res.headers.location as string, 'http://x').pathname, '/login', `${mark} ${JSON.stringify(extra)}`);
      }
    }
  });

  await t.test('prompt=consent shows the consent page even when consent is remembered', async () => {
    const browser = await signedIn();
    const res = await browser.get(authorizeUrl(request({ prompt: 'consent' }).params));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /\/oauth\/authorize\/decision/);
  });

  await t.test('login_hint fills in the sign-in form', async () => {
    const res = await new Browser(g).get(authorizeUrl(request({ login_hint: 'hint@example.com' }).params));
    const page = await new Browser(g).get(res.headers.location as string);
    assert.match(page.body, /name="email" type="email" autocomplete="username" required value="hint@example.com"/);
  });

  await t.test('id_token_hint: its user signed in passes prompt=none; another user, another client or a tampered token is refused', async () => {
    const browser = await signedIn();
    const { verifier, params } = request({});
    const idToken = (await exchange((await authorize(browser, params)).searchParams.get('code')!, verifier)).id_token!;
    let res = await browser.get(authorizeUrl(request({ prompt: 'none', id_token_hint: idToken }).params));
    assert.ok(new URL(res.headers.location as string).searchParams.get('code'));

    const other = await tenant(g, 'Other Vendor');
    const otherBrowser = new Browser(g);
    await otherBrowser.login(other.email, other.password);
    res = await otherBrowser.get(authorizeUrl(request({ prompt: 'none', id_token_hint: idToken }).params));
    assert.equal(redirectError(res.headers.location as string).error, 'login_required');
    // Without prompt=none the other user is asked to sign in as the hint's subject; signing in
    // as themselves again ends in login_required, not in a loop.
    res = await otherBrowser.get(authorizeUrl(request({ id_token_hint: idToken }).params));
    const returnTo = new URL(res.headers.location as string, 'http://x').searchParams.get('return_to')!;
    assert.equal((await otherBrowser.login(other.email, other.password, returnTo)).statusCode, 303);
    res = await otherBrowser.get(returnTo);
    assert.deepEqual(redirectError(res.headers.location as string), {
      error: 'login_required',
      description: 'the signed-in user is not the one id_token_hint names',
    });

    const second = await codeClient(g, { name: 'Second app', skip_consent: true });
    res = await browser.get(authorizeUrl({ ...request({ id_token_hint: idToken }).params, client_id: second.client_id }));
    assert.deepEqual(redirectError(res.headers.location as string), { error: 'invalid_request', description: 'id_token_hint was issued to another client' });

    const [h, p, s] = idToken.split('.');
    const forged = Buffer.from(JSON.stringify({ ...decodeJwt(idToken), sub: other.userId })).toString('base64url');
    for (const bad of [`${h}.${forged}.${s}`, 'not-a-jwt', `${h}.${p}.${s.slice(0, -4)}AAAA`]) {
      res = await browser.get(authorizeUrl(request({ id_token_hint: bad }).params));
      assert.deepEqual(redirectError(res.headers.location as string), {
        error: 'invalid_request',
        description: 'id_token_hint is not an ID Token issued by this server',
      });
    }
    // An access token is not an ID Token, although the same key signs it.
    // Nor is a launch token (typ JWT, the same key, aud = the client): it has no auth_time.
    const launch = launchToken(g.services.keystore, issuer, {
      clientId: client.client_id,
      userId: acme.userId,
      organizationId: acme.organizationId,
      email: acme.email,
    });
    assert.equal(g.services.idTokens.readHint(launch.token), undefined);
    res = await browser.get(authorizeUrl(request({ id_token_hint: launch.token }).params));
    assert.equal(redirectError(res.headers.location as string).error, 'invalid_request');
    const at = await g.services.tokens.issue({ client: await g.services.clients.get(client.client_id), subject: acme.userId, scope: 'openid', ttl: 60 });
    assert.equal(g.services.idTokens.readHint(at.token), undefined);
  });

  await t.test('unsupported parameters are refused with their own error codes (§6, §5.5)', async () => {
    const browser = await signedIn();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ request: 'eyJhbGciOiJub25lIn0.e30.' }, 'request_not_supported', /request object/],
      [{ request_uri: 'https://app.example/req.jwt' }, 'request_uri_not_supported', /request_uri/],
      [{ claims: '{"userinfo":{"email":null}}' }, 'invalid_request', /claims parameter is not supported/],
      [{ max_age: 'ten' }, 'invalid_request', /max_age/],
      [{ max_age: '-1' }, 'invalid_request', /max_age/],
      [{ prompt: 'always' }, 'invalid_request', /prompt .always. is not supported/],
      [{ nonce: 'n'.repeat(513) }, 'invalid_request', /nonce/],
      [{ response_type: 'id_token' }, 'unsupported_response_type', /id_token/],
      [{ response_type: 'code id_token' }, 'unsupported_response_type', /code id_token/],
    ];
    for (const [extra, error, message] of cases) {
      const res = await browser.get(authorizeUrl(request(extra).params));
      assert.equal(res.statusCode, 303, JSON.stringify(extra));
      const got = redirectError(res.headers.location as string);
      assert.equal(got.error, error, JSON.stringify(extra));
      assert.match(got.description!, message);
    }
    const twice = await browser.get(`${authorizeUrl(request({}).params)}&nonce=a&nonce=b`);
    assert.equal(redirectError(twice.headers.location as string).error, 'invalid_request');
  });

  await t.test('the implicit grant and client credentials stay OAuth-only: openid is invalid_scope', async () => {
    const implicit = await codeClient(g, { name: 'MSP app', grant_types: ['implicit'], allow_implicit: true, skip_consent: true, scopes: ['openid', 'read'] });
    const browser = await signedIn();
    const res = await browser.get(authorizeUrl({ response_type: 'token', client_id: implicit.client_id, redirect_uri: CB, state: 'st', scope: 'openid' }));
    const fragment = new URLSearchParams(new URL(res.headers.location as string).hash.slice(1));
    assert.equal(fragment.get('error'), 'invalid_scope');
    assert.equal(fragment.get('access_token'), null);

    const service = await codeClient(g, { name: 'Service', grant_types: ['client_credentials'], redirect_uris: [], scopes: ['openid', 'read'] });
    const cc = await g.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { authorization: basic(service.client_id, service.client_secret!), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials&scope=openid',
    });
    assert.equal(cc.statusCode, 400);
    assert.equal(cc.json().error, 'invalid_scope');
    assert.match(cc.json().error_description, /openid/);
  });

  await t.test('a one-time login link signs in with amr otp', async () => {
    const link = await g.services.loginLinks.create({ id: acme.userId, organization_id: acme.organizationId });
    const browser = new Browser(g);
    const opened = await browser.get(new URL(link.url).pathname);
    assert.equal(opened.statusCode, 303, opened.body.slice(0, 200));
    const { verifier, params } = request({});
    const body = await exchange((await authorize(browser, params)).searchParams.get('code')!, verifier);
    assert.deepEqual(decodeJwt(body.id_token!).amr, ['otp']);
  });
});
