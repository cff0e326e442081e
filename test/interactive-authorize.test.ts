// /oauth/authorize: the request is checked in the RFC's order. A bad client or redirect URI is a
// "configuration mismatch" page (400, never a redirect); every other error goes back to the
// client with error, error_description, state and iss; codes answer in the query, tokens in the
// fragment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, startGatehouse } from './helpers.ts';
import { authorizeUrl, Browser, codeClient, pkce, tenant } from './interactive-helpers.ts';

const ISS = 'http://gatehouse.test';
const CB = 'https://app.example/cb';

test('authorization endpoint', async (t) => {
  const g = await startGatehouse();
  t.after(() => g.stop());
  const confidential = await codeClient(g, { redirect_uris: [CB, 'https://app.example/other?tenant=1'] });
  const single = await codeClient(g, { name: 'One URI' });
  const publicClient = await codeClient(g, { type: 'public', name: 'SPA' });
  const implicit = await createClient(g, {
    name: 'MSP tool',
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
    scopes: ['webhooks:manage'],
    redirect_uris: [CB],
    token_format: 'opaque',
  });
  const ccOnly = await createClient(g, { name: 'Back end', redirect_uris: [CB] });
  const get = (params: Record<string, string | undefined>) => g.app.inject({ method: 'GET', url: authorizeUrl(params) });
  const base = { response_type: 'code', client_id: confidential.client_id, redirect_uri: CB, state: 'xyz' };

  /** The error a redirect carries, from the query or the fragment. */
  const errorOf = (location: string, where: 'query' | 'fragment' = 'query') => {
    const url = new URL(location);
    const params = where === 'query' ? url.searchParams : new URLSearchParams(url.hash.slice(1));
    return Object.fromEntries(params);
  };

  await t.test('metadata advertises the endpoint, response types, S256 and iss', async () => {
    const m = (await g.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    assert.equal(m.authorization_endpoint, `${ISS}/oauth/authorize`);
    assert.deepEqual(m.response_types_supported, ['code', 'token']);
    assert.deepEqual(m.code_challenge_methods_supported, ['S256']);
    assert.equal(m.authorization_response_iss_parameter_supported, true);
    for (const g2 of ['authorization_code', 'refresh_token', 'implicit']) assert.ok(m.grant_types_supported.includes(g2), g2);
  });

  await t.test('unknown or missing client: configuration mismatch page, never a redirect', async () => {
    for (const params of [
      { ...base, client_id: 'nope' },
      { ...base, client_id: undefined },
      { ...base, client_id: 'x'.repeat(500) },
    ]) {
      const res = await get(params);
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers.location, undefined);
      assert.match(res.headers['content-type'] as string, /text\/html/);
      assert.match(res.body, /Configuration mismatch/);
      assert.match(res.headers['content-security-policy'] as string, /frame-ancestors 'none'/);
    }
  });

  await t.test('redirect URI: exact match only; omitted only when exactly one is registered', async () => {
    for (const uri of [
      `${CB}/`,
      'https://APP.example/cb',
      `${CB}?x=1`,
      'https://app.example/c',
      'https://evil.example/cb',
      `${CB}#f`,
      'http://app.example/cb',
    ]) {
      const res = await get({ ...base, redirect_uri: uri });
      assert.equal(res.statusCode, 400, uri);
      assert.equal(res.headers.location, undefined, uri);
      assert.match(res.body, /Configuration mismatch/);
    }
    const repeated = await g.app.inject({ method: 'GET', url: `${authorizeUrl(base)}&redirect_uri=${encodeURIComponent(CB)}` });
    assert.equal(repeated.statusCode, 400);
    const omittedMany = await get({ ...base, redirect_uri: undefined });
    assert.equal(omittedMany.statusCode, 400);
    const omittedOne = await get({ ...base, client_id: single.client_id, redirect_uri: undefined });
    assert.equal(omittedOne.statusCode, 303);
    assert.match(omittedOne.headers.location as string, /^\/login\?return_to=/);
  });

  await t.test('a good request without a session goes to the sign-in page and comes back', async () => {
    const res = await get(base);
    assert.equal(res.statusCode, 303);
    const location = new URL(res.headers.location as string, ISS);
    assert.equal(location.pathname, '/login');
    const back = location.searchParams.get('return_to')!;
    assert.ok(back.startsWith('/oauth/authorize?'));
    assert.equal(new URLSearchParams(back.split('?')[1]).get('state'), 'xyz');
    const page = await g.app.inject({ method: 'GET', url: location.pathname + location.search });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Partner App/);
    // The sign-in form may lead (by redirects) to the client, so its origin is allowed as a form target.
    assert.match(page.headers['content-security-policy'] as string, /form-action 'self' https:\/\/app\.example/);
  });

  await t.test('other errors go back to the client with error, error_description, state and iss', async () => {
    const cases: [Record<string, string | undefined>, string, ('query' | 'fragment')?][] = [
      [{ ...base, response_type: undefined }, 'invalid_request'],
      [{ ...base, response_type: 'id_token' }, 'unsupported_response_type'],
      [{ ...base, scope: 'read admin' }, 'invalid_scope'],
      [{ ...base, client_id: ccOnly.client_id }, 'unauthorized_client'],
      [{ ...base, response_type: 'token' }, 'unauthorized_client', 'fragment'],
      [{ ...base, response_mode: 'form_post' }, 'invalid_request'],
      [{ ...base, code_challenge_method: 'S256' }, 'invalid_request'],
    ];
    for (const [params, error, where] of cases) {
      const res = await get(params);
      assert.equal(res.statusCode, 303, JSON.stringify(params));
      const location = res.headers.location as string;
      assert.ok(location.startsWith(CB), location);
      const got = errorOf(location, where);
      assert.equal(got.error, error, JSON.stringify(params));
      assert.ok(got.error_description, 'described');
      assert.equal(got.state, 'xyz');
      assert.equal(got.iss, ISS);
    }
  });

  await t.test('a registered redirect URI keeps its own query', async () => {
    const res = await get({ ...base, redirect_uri: 'https://app.example/other?tenant=1', response_type: 'nope' });
    const url = new URL(res.headers.location as string);
    assert.equal(url.searchParams.get('tenant'), '1');
    assert.equal(url.searchParams.get('error'), 'unsupported_response_type');
  });

  await t.test('PKCE: S256 only, well-formed, required for public clients', async () => {
    const { challenge } = pkce();
    const pub = { ...base, client_id: publicClient.client_id };
    const refused: Record<string, string | undefined>[] = [
      pub, // no challenge from a public client
      { ...pub, code_challenge: challenge }, // method omitted means plain
      { ...pub, code_challenge: challenge, code_challenge_method: 'plain' },
      { ...pub, code_challenge: 'short', code_challenge_method: 'S256' },
      { ...base, code_challenge: challenge, code_challenge_method: 'plain' },
    ];
    for (const params of refused) {
      const got = errorOf((await get(params)).headers.location as string);
      assert.equal(got.error, 'invalid_request', JSON.stringify(params));
      assert.match(got.error_description, /code_challenge|PKCE/);
    }
    const ok = await get({ ...pub, code_challenge: challenge, code_challenge_method: 'S256' });
    assert.match(ok.headers.location as string, /^\/login/);
  });

  await t.test('implicit errors travel in the fragment; tokens never in the query', async () => {
    const params = { response_type: 'token', client_id: implicit.client_id, redirect_uri: CB, state: 's' };
    const bad = await get({ ...params, scope: 'nope' });
    const url = new URL(bad.headers.location as string);
    assert.equal(url.search, '');
    assert.equal(errorOf(url.toString(), 'fragment').error, 'invalid_scope');
    const query = await get({ ...params, response_mode: 'query' });
    assert.equal(errorOf(query.headers.location as string, 'fragment').error, 'invalid_request');
    const code = await get({ ...params, response_type: 'code' });
    assert.equal(errorOf(code.headers.location as string).error, 'unauthorized_client');
  });

  await t.test('repeated parameters are refused (RFC 6749 §3.1)', async () => {
    const res = await g.app.inject({ method: 'GET', url: `${authorizeUrl(base)}&scope=read&scope=write` });
    assert.equal(errorOf(res.headers.location as string).error, 'invalid_request');
  });

  await t.test('state round-trips unchanged, whatever it contains', async () => {
    const t1 = await tenant(g);
    const browser = new Browser(g);
    await browser.login(t1.email, t1.password);
    const state = 'a b&c=d/é+%20?#x';
    const res = await browser.get(authorizeUrl({ ...base, state, response_type: 'nope' }));
    assert.equal(new URL(res.headers.location as string).searchParams.get('state'), state);
    const consent = await browser.get(authorizeUrl({ ...base, state }));
    assert.equal(consent.statusCode, 200);
    assert.match(consent.body, /Allow <span id="client-name">Partner App<\/span>/);
  });
});
