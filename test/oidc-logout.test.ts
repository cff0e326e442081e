// OpenID Connect RP-Initiated Logout 1.0 at /oauth/end-session, against a listening server with a
// cookie-keeping client over fetch: a valid id_token_hint (the code flow's ID Token, expired ones
// too) for the signed-in person ends the session at once and goes back with state; without one,
// or with one for someone else, the person is asked first and the answer is CSRF-checked; a
// post-logout redirect URI that is not registered exactly, a client_id that disagrees with the
// hint, and a hint this server did not issue are error pages that redirect nowhere and leave the
// session alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IdTokens } from '../src/oauth/id-tokens.ts';
import { basic, createClient, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';
import { authorizeUrl, codeClient, pkce, tenant, type Tenant } from './interactive-helpers.ts';

const SIGNED_OUT = 'https://app.example/signed-out';

interface Answer {
  status: number;
  location: string | null;
  body: string;
  csp: string;
}

/** A browser over fetch: keeps cookies, follows no redirect by itself. */
class Visitor {
  readonly origin: string;
  readonly cookies = new Map<string, string>();
  constructor(origin: string) {
    this.origin = origin;
  }

  /** GET the path, or POST the form to it. */
  async send(path: string, form?: Record<string, string>): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'text/html', cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    const res = form
      ? await fetch(`${this.origin}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        })
      : await fetch(`${this.origin}${path}`, { redirect: 'manual', headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value === '' || attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, location: res.headers.get('location'), body: await res.text(), csp: res.headers.get('content-security-policy') ?? '' };
  }

  get(path: string) {
    return this.send(path);
  }

  async signIn(who: Tenant) {
    const page = await this.get('/login');
    const signedIn = await this.send('/login', { email: who.email, password: who.password, csrf: csrfOf(page.body) });
    assert.equal(signedIn.status, 303, signedIn.body);
    assert.equal((await this.get('/dashboard')).status, 200, 'signed in');
  }

  /** Whether the dashboard still knows this browser (401 "Not signed in" once the session is gone). */
  async signedIn(): Promise<boolean> {
    const dashboard = await this.get('/dashboard');
    if (dashboard.status === 401) {
      assert.match(dashboard.body, /Not signed in/);
      return false;
    }
    assert.equal(dashboard.status, 200, dashboard.body.slice(0, 300));
    return true;
  }
}

function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(match, `a csrf field in ${html.slice(0, 300)}`);
  return match[1];
}

function hiddenFields(html: string): Record<string, string> {
  const decode = (v: string) => v.replace(/&#(\d+);/g, (_m, n) => String.fromCharCode(Number(n)));
  return Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], decode(m[2])]));
}

const endSession = (params: Record<string, string>) => `/oauth/end-session?${new URLSearchParams(params).toString()}`;

/** A 400 page naming the problem, with no redirect. */
function refusedPage(answer: Answer, problem: RegExp) {
  assert.equal(answer.status, 400, answer.body.slice(0, 500));
  assert.equal(answer.location, null, 'no redirect');
  assert.match(answer.body, /<h1>This request could not be used/);
  assert.match(answer.body, problem);
}

test('RP-Initiated Logout at /oauth/end-session', async (t) => {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const g: TestGatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
  t.after(() => g.stop());
  await g.app.listen({ port, host: '127.0.0.1' });
  const owner = await tenant(g);
  const other = await tenant(g, 'Other Vendor');
  const client = await codeClient(g, { post_logout_redirect_uris: [SIGNED_OUT, 'https://app.example/bye?from=gatehouse'] });
  const otherClient = await codeClient(g, { name: 'Other App', post_logout_redirect_uris: ['https://other.example/signed-out'] });

  const hintFor = (userId: string, clientId = client.client_id, idTokens = g.services.idTokens) =>
    idTokens.issue({ clientId, userId, authTime: new Date(), amr: ['pwd'], accessToken: 'not-used-here', claims: {} });
  const logouts = async () => {
    await g.services.audit.flush();
    return g.services.audit.list({ action: 'logout' });
  };

  await t.test('a valid hint for the signed-in person ends the session at once and goes back with state', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const before = (await logouts()).length;
    // The hint alone names the client (its aud): no client_id needed.
    const answer = await browser.get(endSession({ id_token_hint: await hintFor(owner.userId), post_logout_redirect_uri: SIGNED_OUT, state: 'st/1 ü' }));
    assert.equal(answer.status, 303, answer.body);
    const back = new URL(answer.location!);
    assert.equal(`${back.origin}${back.pathname}`, SIGNED_OUT);
    assert.equal(back.searchParams.get('state'), 'st/1 ü');
    assert.equal(await browser.signedIn(), false, 'the dashboard asks for sign-in');
    const events = await logouts();
    assert.equal(events.length, before + 1);
    const event = events.find((e) => e.actor === owner.userId && e.client_id === client.client_id);
    assert.ok(event, 'the logout is audited with the user and the client');
    assert.equal(event.outcome, 'success');
  });

  await t.test('the ID Token a relying party got from the code flow is the hint that signs the person out', async () => {
    const rp = await codeClient(g, { name: 'Relying Party', skip_consent: true, post_logout_redirect_uris: ['https://rp.example/signed-out'] });
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const { verifier, challenge } = pkce();
    const authorized = await browser.get(
      authorizeUrl({
        response_type: 'code',
        client_id: rp.client_id,
        redirect_uri: 'https://app.example/cb',
        scope: 'openid email',
        state: 'st',
        nonce: 'n-1',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    );
    assert.equal(authorized.status, 303, authorized.body);
    const code = new URL(authorized.location!).searchParams.get('code');
    assert.ok(code, authorized.location!);
    const exchanged = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(rp.client_id, rp.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.example/cb', code_verifier: verifier }).toString(),
    });
    const { id_token: idToken } = (await exchanged.json()) as { id_token?: string };
    assert.ok(idToken, 'the code flow with openid returned an ID Token');
    const answer = await browser.get(endSession({ id_token_hint: idToken, post_logout_redirect_uri: 'https://rp.example/signed-out', state: 'rp-state' }));
    assert.equal(answer.status, 303, answer.body);
    assert.equal(answer.location, 'https://rp.example/signed-out?state=rp-state');
    assert.equal(await browser.signedIn(), false);
  });

  await t.test('an expired hint is accepted (§2); client_id agreeing with it; a registered URI keeps its own query', async () => {
    const expired = await hintFor(owner.userId, client.client_id, new IdTokens(g.services.keystore, origin, -3600));
    const exp = JSON.parse(Buffer.from(expired.split('.')[1], 'base64url').toString()).exp as number;
    assert.ok(exp < Date.now() / 1000 - 3000, 'the hint expired an hour ago');
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const answer = await browser.get(
      endSession({ id_token_hint: expired, client_id: client.client_id, post_logout_redirect_uri: 'https://app.example/bye?from=gatehouse', state: 's2' }),
    );
    assert.equal(answer.status, 303, answer.body);
    assert.equal(answer.location, 'https://app.example/bye?from=gatehouse&state=s2');
    assert.equal(await browser.signedIn(), false);
  });

  await t.test('with no post_logout_redirect_uri the person is told they are signed out', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const answer = await browser.get(endSession({ id_token_hint: await hintFor(owner.userId) }));
    assert.equal(answer.status, 200);
    assert.match(answer.body, /<h1>You are signed out<\/h1>/);
    assert.match(answer.body, /Partner App/);
    assert.equal(await browser.signedIn(), false);
  });

  await t.test('without a hint the person is asked; the answer needs the CSRF token; then signed out and sent back', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const asked = await browser.get(endSession({ client_id: client.client_id, post_logout_redirect_uri: SIGNED_OUT, state: 'st-3' }));
    assert.equal(asked.status, 200, asked.body);
    assert.match(asked.body, /<h1>Sign out of Gatehouse\?<\/h1>/);
    assert.match(asked.body, /Partner App<\/strong> asks to sign you out/);
    assert.ok(asked.body.includes(owner.email), 'names who is signed in');
    // The form's answer redirects to the client: the page's form-action allows that origin only.
    assert.match(asked.csp, /form-action 'self' https:\/\/app\.example(;|$)/);
    assert.equal(await browser.signedIn(), true, 'asking ends nothing');

    const fields = hiddenFields(asked.body);
    const { csrf, ...withoutCsrf } = fields;
    assert.ok(csrf);
    const forged = await browser.send('/oauth/end-session', withoutCsrf);
    assert.equal(forged.status, 403, forged.body);
    assert.equal(forged.location, null);
    const wrong = await browser.send('/oauth/end-session', { ...fields, csrf: 'x'.repeat(43) });
    assert.equal(wrong.status, 403);
    assert.equal(await browser.signedIn(), true, 'a refused answer ends nothing');

    const confirmed = await browser.send('/oauth/end-session', fields);
    assert.equal(confirmed.status, 303, confirmed.body);
    assert.equal(confirmed.location, `${SIGNED_OUT}?state=st-3`);
    assert.equal(await browser.signedIn(), false);
    assert.ok((await logouts()).some((e) => e.actor === owner.userId && (e.details as { confirmed?: boolean }).confirmed === true));
  });

  await t.test('a hint for someone other than the signed-in person asks first', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const asked = await browser.get(endSession({ id_token_hint: await hintFor(other.userId), post_logout_redirect_uri: SIGNED_OUT, state: 'st-4' }));
    assert.equal(asked.status, 200, asked.body);
    assert.match(asked.body, /<h1>Sign out of Gatehouse\?<\/h1>/);
    assert.equal(await browser.signedIn(), true);
    // The form carries the client the hint named, not the hint itself.
    const fields = hiddenFields(asked.body);
    assert.equal(fields.client_id, client.client_id);
    assert.equal(fields.id_token_hint, undefined);
    const confirmed = await browser.send('/oauth/end-session', fields);
    assert.equal(confirmed.location, `${SIGNED_OUT}?state=st-4`);
    assert.equal(await browser.signedIn(), false);
  });

  await t.test('a post_logout_redirect_uri the client did not register is an error page: no redirect, the session stays', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const hint = await hintFor(owner.userId);
    for (const uri of [
      'https://evil.example/phish',
      'https://app.example/cb', // the client's redirect URI, but not a post-logout one
      `${SIGNED_OUT}/`, // exact match only
      'https://APP.example/signed-out',
      'https://other.example/signed-out', // another client's
    ]) {
      refusedPage(
        await browser.get(endSession({ id_token_hint: hint, post_logout_redirect_uri: uri, state: 'x' })),
        /post_logout_redirect_uri is not registered/,
      );
      refusedPage(await browser.get(endSession({ client_id: client.client_id, post_logout_redirect_uri: uri })), /post_logout_redirect_uri is not registered/);
    }
    // Nothing to check it against.
    refusedPage(await browser.get(endSession({ post_logout_redirect_uri: SIGNED_OUT })), /without client_id or id_token_hint/);
    refusedPage(await browser.get(endSession({ client_id: 'no-such-client', post_logout_redirect_uri: SIGNED_OUT })), /unknown client_id/);
    assert.equal(await browser.signedIn(), true, 'the session is intact');
    await g.services.audit.flush();
    assert.ok((await g.services.audit.list({ action: 'logout.refused' })).length >= 12, 'refusals are audited');
  });

  await t.test('a client_id that disagrees with the hint is an error page', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const answer = await browser.get(
      endSession({
        id_token_hint: await hintFor(owner.userId),
        client_id: otherClient.client_id,
        post_logout_redirect_uri: 'https://other.example/signed-out',
      }),
    );
    refusedPage(answer, /client_id does not match the application the id_token_hint was issued to/);
    refusedPage(await browser.get(endSession({ id_token_hint: await hintFor(owner.userId), client_id: otherClient.client_id })), /client_id does not match/);
    assert.equal(await browser.signedIn(), true);
  });

  await t.test('a tampered, foreign or other kind of token as the hint is refused with a 400 page naming it', async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const [header, payload, signature] = (await hintFor(owner.userId)).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = [header, Buffer.from(JSON.stringify({ ...claims, sub: other.userId })).toString('base64url'), signature].join('.');
    const unsigned = [
      Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url'),
      Buffer.from(JSON.stringify(claims)).toString('base64url'),
      '',
    ].join('.');
    const machine = await createClient(g, { name: 'Machine' });
    const issued = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(machine.client_id, machine.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const accessToken = ((await issued.json()) as { access_token: string }).access_token;
    // A second Gatehouse's ID Token: signed by keys this one has never published.
    const foreign = await startGatehouse({ GATEHOUSE_PUBLIC_URL: origin });
    t.after(() => foreign.stop());
    const foreignHint = await hintFor(owner.userId, client.client_id, foreign.services.idTokens);
    for (const hint of [tampered, unsigned, accessToken, foreignHint, 'not-a-jwt']) {
      refusedPage(
        await browser.get(endSession({ id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT })),
        /The id_token_hint is not an ID Token issued by this Gatehouse/,
      );
    }
    assert.equal(await browser.signedIn(), true);
  });

  await t.test("a relying party's form post is answered with the request as a GET, which carries the session cookie, and without the ID Token", async () => {
    const browser = new Visitor(origin);
    await browser.signIn(owner);
    const hint = await hintFor(owner.userId);
    // As a cross-site form post arrives: SameSite=Lax keeps the session cookie off it.
    const rp = new Visitor(origin);
    const posted = await rp.send('/oauth/end-session', { id_token_hint: hint, post_logout_redirect_uri: SIGNED_OUT, state: 'st-5', ui_locales: 'de en' });
    assert.equal(posted.status, 303);
    const again = new URL(posted.location!, origin);
    assert.equal(again.pathname, '/oauth/end-session');
    // The relying party posted to keep the ID Token out of URLs: the GET names its client instead.
    assert.deepEqual(Object.fromEntries(again.searchParams), {
      post_logout_redirect_uri: SIGNED_OUT,
      state: 'st-5',
      ui_locales: 'de en',
      client_id: client.client_id,
    });
    assert.equal(await browser.signedIn(), true, 'the post itself ended nothing');
    // Without the hint the person is asked, then returns to the relying party.
    const followed = await browser.get(`${again.pathname}${again.search}`);
    assert.equal(followed.status, 200);
    assert.match(followed.body, /Sign out/);
    assert.equal(await browser.signedIn(), true, 'asked, not signed out yet');
  });

  await t.test('with nobody signed in there is nothing to ask: straight back to a registered URI', async () => {
    const browser = new Visitor(origin);
    const answer = await browser.get(
      endSession({ client_id: client.client_id, post_logout_redirect_uri: SIGNED_OUT, state: 'st-6', logout_hint: owner.email }),
    );
    assert.equal(answer.status, 303);
    assert.equal(answer.location, `${SIGNED_OUT}?state=st-6`);
    const page = await browser.get(endSession({}));
    assert.equal(page.status, 200);
    assert.match(page.body, /You are signed out/);
    // Still no open redirector.
    refusedPage(await browser.get(endSession({ client_id: client.client_id, post_logout_redirect_uri: 'https://evil.example/' })), /not registered/);
  });
});
