// Property-based fuzzing of the two interactive OAuth endpoints with fast-check, over inject().
// /oauth/authorize gets random and near-valid query parameters, repeats and junk, with and
// without a signed-in session: never a 5xx; an unknown client or unregistered redirect URI is
// an HTML page and never a redirect; anything else goes only to the registered redirect URI,
// with iss, the state sent, and a well-formed error. /oauth/token gets random grants, codes,
// verifiers, refresh tokens and client credentials in form, JSON, malformed and odd bodies:
// never a 5xx, and every refusal a well-formed RFC 6749 §5.2 error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { basic, createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { Browser, codeClient, codeFor, pkce, tenant } from './interactive-helpers.ts';

const ISS = 'http://gatehouse.test';
const CB = 'https://app.example/cb';
const CB_QUERY = 'https://app.example/other?tenant=1';
const MSP_CB = 'https://msp.example/cb';
const RUNS = 250;

// RFC 6749 §4.1.2.1, §4.2.2.1 and §5.2: the error codes and the characters error and
// error_description may use (%x20-21 / %x23-5B / %x5D-7E; error without the space).
const AUTHORIZE_ERRORS = [
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
];
const TOKEN_ERRORS = ['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'];
const ERROR_CHARS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const DESCRIPTION_CHARS = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

let g: TestGatehouse;
let signedInCookie: string;
/** client_id → registered redirect URIs, for the oracle. */
const registered = new Map<string, string[]>();
let confidential: { client_id: string; client_secret: string };
let publicClient: { client_id: string };
let ccOnly: { client_id: string; client_secret: string };
let implicitClient: { client_id: string };
let realCode: string;
let realVerifier: string;
let realRefresh: string;

before(async () => {
  const unlimited = '10000000';
  g = await startGatehouse({ GATEHOUSE_OEM_RATE_LIMIT_IP: unlimited, GATEHOUSE_TOKEN_RATE_LIMIT_IP: unlimited, GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: unlimited });
  const who = await tenant(g);
  confidential = await codeClient(g, { redirect_uris: [CB, CB_QUERY] });
  // Consent skipped so signed-in requests can reach a code or a token.
  publicClient = await codeClient(g, { type: 'public', name: 'SPA', skip_consent: true });
  implicitClient = await createClient(g, {
    name: 'MSP tool',
    type: 'public',
    grant_types: ['implicit'],
    allow_implicit: true,
    skip_consent: true,
    scopes: ['webhooks:manage'],
    redirect_uris: [MSP_CB],
    token_format: 'opaque',
  });
  ccOnly = await createClient(g, { name: 'Back end', redirect_uris: [CB] });
  registered.set(confidential.client_id, [CB, CB_QUERY]).set(publicClient.client_id, [CB]).set(implicitClient.client_id, [MSP_CB]).set(ccOnly.client_id, [CB]);
  const browser = new Browser(g);
  assert.equal((await browser.login(who.email, who.password)).statusCode, 303);
  signedInCookie = browser.cookie;
  // A live code and refresh token, for near-valid values.
  const issued = await codeFor(g, who, confidential);
  realCode = issued.code;
  realVerifier = issued.verifier;
  const spent = await codeFor(g, who, confidential);
  const tokens = await g.app.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { authorization: basic(confidential.client_id, confidential.client_secret) },
    payload: { grant_type: 'authorization_code', code: spent.code, redirect_uri: CB, code_verifier: spent.verifier },
  });
  realRefresh = tokens.json().refresh_token;
  assert.match(realRefresh, /./);
});
after(() => g.stop());

/** A valid value, or something close to it: case, padding, truncation, encoding, a suffix. */
function nearly(valid: string[]): fc.Arbitrary<string> {
  const base = fc.constantFrom(...valid);
  return fc.oneof(
    { weight: 3, arbitrary: base },
    base.map((s) => s.toUpperCase()),
    base.map((s) => `${s}/`),
    base.map((s) => ` ${s}`),
    base.map((s) => s.slice(0, -1)),
    base.map((s) => `${s}#x`),
    base.map((s) => encodeURIComponent(s)),
    fc.tuple(base, fc.string({ maxLength: 5 })).map(([s, x]) => s + x),
  );
}

/** Up to `most` of the names, none at least half the time (so valid requests stay common). */
const changes = <T>(names: T[], most: number) => fc.oneof(fc.constant([] as T[]), fc.subarray(names, { minLength: 1, maxLength: most }));

/** Any text: printable, any code unit (NUL and lone surrogates included), or long. */
const junk = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ minLength: 300, maxLength: 600 }));

const AUTHORIZE_NAMES = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'response_mode'] as const;

/** Valid requests of each client, for the fuzzer to start from. */
function validRequests(): Record<string, string>[] {
  const challenge = { code_challenge: pkce().challenge, code_challenge_method: 'S256' };
  return [
    { client_id: confidential.client_id, redirect_uri: CB, response_type: 'code', scope: 'read', state: 'st', ...challenge },
    { client_id: confidential.client_id, redirect_uri: CB_QUERY, response_type: 'code', state: 'st' },
    { client_id: publicClient.client_id, response_type: 'code', state: 'st', ...challenge },
    { client_id: implicitClient.client_id, redirect_uri: MSP_CB, response_type: 'token', state: 'st' },
    { client_id: ccOnly.client_id, redirect_uri: CB, response_type: 'code' },
    {},
  ];
}

/** A valid request with a few parameters replaced or dropped, a few repeated, and junk after. */
const authorizeRequest = () =>
  fc
    .record({
      base: fc.constantFrom(...validRequests()),
      replaced: fc.record({
        client_id: fc.oneof(nearly([...registered.keys()]), junk),
        redirect_uri: fc.oneof(nearly([CB, CB_QUERY, MSP_CB]), fc.webUrl(), junk),
        response_type: fc.oneof(fc.constantFrom('code', 'token', 'code token', 'id_token', 'none', 'CODE', ''), junk),
        scope: fc.oneof(fc.constantFrom('read', 'read write', 'write read', 'webhooks:manage', 'admin', 'read  write', ''), junk),
        state: junk,
        code_challenge: fc.oneof(fc.constant(pkce().challenge), fc.stringMatching(/^[A-Za-z0-9_-]{40,45}$/), junk),
        code_challenge_method: fc.oneof(fc.constantFrom('S256', 'plain', 's256', ''), junk),
        response_mode: fc.oneof(fc.constantFrom('query', 'fragment', 'form_post', ''), junk),
      }),
      which: changes([...AUTHORIZE_NAMES], 3),
      dropped: changes([...AUTHORIZE_NAMES], 2),
      repeats: fc.oneof(
        { weight: 4, arbitrary: fc.constant([]) },
        fc.array(fc.tuple(fc.constantFrom(...AUTHORIZE_NAMES), junk), { minLength: 1, maxLength: 2 }),
      ),
      tail: fc.constantFrom('', '&', '&&=', '&%zz=1', '&x=%', '&%E0%A4%A=x', '&unknown=1'),
      signedIn: fc.boolean(),
    })
    .map(({ base, replaced, which, dropped, ...rest }) => {
      const params: Record<string, string> = { ...base };
      for (const name of dropped) delete params[name];
      for (const name of which) params[name] = replaced[name];
      return { params, ...rest };
    });

/** The oracle: where the request may be answered, or undefined for "nowhere" (RFC 6749 §4.1.2.1). */
function replyTarget(entries: [string, string][]): string | undefined {
  const all = (name: string) => entries.filter(([k]) => k === name).map(([, v]) => v);
  const ids = all('client_id');
  const uris = registered.get(ids[0]);
  if (ids.length !== 1 || !uris) return undefined;
  const sent = all('redirect_uri');
  if (sent.length > 1) return undefined;
  if (sent.length === 0 || sent[0] === '') return uris.length === 1 ? uris[0] : undefined;
  return uris.includes(sent[0]) ? sent[0] : undefined;
}

test(`/oauth/authorize: ${RUNS} random and near-valid requests`, async (t) => {
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(authorizeRequest(), async ({ params, repeats, tail, signedIn }) => {
      const query = new URLSearchParams([...Object.entries(params), ...repeats]);
      // What the server decodes (lone surrogates become U+FFFD on the way).
      const entries = [...new URLSearchParams(query.toString())];
      const res = await g.app.inject({
        method: 'GET',
        url: `/oauth/authorize?${query.toString()}${tail}`,
        headers: signedIn ? { cookie: signedInCookie } : {},
      });
      assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body.slice(0, 200)}`);
      const target = replyTarget(entries);
      if (target === undefined) {
        seen.add('page');
        assert.equal(res.statusCode, 400);
        assert.equal(res.headers.location, undefined, 'a mismatched client or redirect URI never redirects');
        assert.match(res.headers['content-type'] as string, /^text\/html/);
        return;
      }
      if (res.statusCode === 200) {
        seen.add('consent');
        assert.ok(signedIn, 'only a signed-in user sees the consent page');
        assert.match(res.body, /action="\/oauth\/authorize\/decision"/);
        assert.ok((res.headers['content-security-policy'] as string).includes(`form-action 'self' ${new URL(target).origin}`));
        return;
      }
      assert.equal(res.statusCode, 303, res.body.slice(0, 200));
      const location = res.headers.location as string;
      if (location.startsWith('/login?')) {
        seen.add('login');
        assert.ok(!signedIn, 'a signed-in user is not asked to sign in again');
        assert.ok(new URLSearchParams(location.slice(7)).get('return_to')!.startsWith('/oauth/authorize?'));
        return;
      }
      const url = new URL(location);
      const expected = new URL(target);
      assert.equal(`${url.origin}${url.pathname}`, `${expected.origin}${expected.pathname}`, 'only the registered redirect URI');
      for (const [k, v] of expected.searchParams) assert.equal(url.searchParams.get(k), v, 'its own query is kept');
      assert.equal(url.searchParams.has('access_token'), false, 'tokens never travel in the query');
      const answer = url.hash ? new URLSearchParams(url.hash.slice(1)) : url.searchParams;
      assert.equal(answer.get('iss'), ISS, 'RFC 9207');
      const states = entries.filter(([k]) => k === 'state').map(([, v]) => v);
      assert.equal(answer.get('state'), states.length === 1 && states[0] !== '' ? states[0] : null, 'state returned exactly as sent');
      const error = answer.get('error');
      if (error !== null) {
        seen.add(error);
        assert.ok(AUTHORIZE_ERRORS.includes(error), error);
        assert.match(answer.get('error_description') ?? '', DESCRIPTION_CHARS, 'RFC 6749 §4.1.2.1 error_description characters');
      } else {
        seen.add('success');
        assert.ok(signedIn);
        assert.ok(answer.get('code') ?? (url.hash && answer.get('access_token')), `a code or a token: ${location}`);
      }
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`outcomes: ${[...seen].sort().join(', ')}`);
  for (const outcome of ['page', 'login', 'consent', 'success', 'invalid_request', 'unsupported_response_type', 'unauthorized_client'])
    assert.ok(seen.has(outcome), `the fuzzer reached "${outcome}" (saw ${[...seen].join(',')})`);
});

type Encoding = 'form' | 'json' | 'bad-json' | 'text' | 'none' | 'odd-type';

const TOKEN_NAMES = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'client_id', 'client_secret', 'scope', 'extra'] as const;

/** Valid token requests (some good once only), for the fuzzer to start from. */
function validTokenRequests(): { fields: Record<string, unknown>; authorization?: string }[] {
  const confidentialBasic = basic(confidential.client_id, confidential.client_secret);
  return [
    { fields: { grant_type: 'authorization_code', code: realCode, redirect_uri: CB, code_verifier: realVerifier }, authorization: confidentialBasic },
    { fields: { grant_type: 'refresh_token', refresh_token: realRefresh, scope: 'read' }, authorization: confidentialBasic },
    { fields: { grant_type: 'client_credentials', scope: 'read', client_id: ccOnly.client_id, client_secret: ccOnly.client_secret } },
    { fields: { grant_type: 'client_credentials' }, authorization: confidentialBasic }, // not its grant
    { fields: { grant_type: 'authorization_code', code: realCode, client_id: publicClient.client_id, code_verifier: realVerifier } },
    { fields: {} },
  ];
}

/** A valid request with a few fields replaced or dropped, sometimes other credentials, in some encoding. */
const tokenRequest = () => {
  const value = fc.oneof({ weight: 4, arbitrary: junk }, fc.jsonValue({ maxDepth: 2 }));
  return fc
    .record({
      base: fc.constantFrom(...validTokenRequests()),
      replaced: fc.record({
        grant_type: fc.oneof(
          nearly(['authorization_code', 'refresh_token', 'client_credentials']),
          fc.constantFrom('password', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code'),
          value,
        ),
        code: fc.oneof(nearly([realCode]), value),
        redirect_uri: fc.oneof(nearly([CB, CB_QUERY]), value),
        code_verifier: fc.oneof(nearly([realVerifier]), fc.stringMatching(/^[A-Za-z0-9._~-]{43,128}$/), value),
        refresh_token: fc.oneof(nearly([realRefresh]), value),
        client_id: fc.oneof(nearly([confidential.client_id, publicClient.client_id, ccOnly.client_id]), value),
        client_secret: fc.oneof(nearly([confidential.client_secret, ccOnly.client_secret]), value),
        scope: fc.oneof(fc.constantFrom('read', 'read write', 'admin'), value),
        extra: value,
      }),
      which: changes([...TOKEN_NAMES], 3),
      dropped: changes([...TOKEN_NAMES], 2),
      authorization: fc.option(
        fc.oneof(
          fc.constant(basic(confidential.client_id, confidential.client_secret)),
          fc.constant(basic(ccOnly.client_id, 'wrong')),
          fc.tuple(junk, junk).map(([id, secret]) => basic(id, secret)),
          junk.map((s) => `Basic ${Buffer.from(s).toString('base64')}`),
          fc.constantFrom('Basic', 'Basic !!!', 'Basic %%%', 'basic Og==', 'Bearer abc', `Basic ${Buffer.from('%zz:%zz').toString('base64')}`),
        ),
        { nil: undefined, freq: 2 },
      ),
      encoding: fc.constantFrom<Encoding>('form', 'form', 'json', 'json', 'bad-json', 'text', 'none', 'odd-type'),
      oddType: fc.constantFrom(
        'application/x-www-form-urlencoded;;;',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
        'application/xml',
        'text/html',
        '*/*',
        'application/x-www-form-urlencoded; charset=utf-16',
      ),
    })
    .map(({ base, replaced, which, dropped, authorization, ...rest }) => {
      const fields: Record<string, unknown> = { ...base.fields };
      for (const name of dropped) delete fields[name];
      for (const name of which) fields[name] = replaced[name];
      // fc.option with nil undefined: undefined most of the time keeps the base's own credentials.
      return { fields, authorization: authorization ?? base.authorization, ...rest };
    });
};

/** Turn generated fields into a request body and headers of the chosen encoding. */
function encode(fields: Record<string, unknown>, encoding: Encoding, oddType: string): { payload?: string; type?: string } {
  const form = () =>
    new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')])).toString();
  switch (encoding) {
    case 'form':
      return { payload: form(), type: 'application/x-www-form-urlencoded' };
    case 'json':
      return { payload: JSON.stringify(fields), type: 'application/json' };
    case 'bad-json':
      return { payload: JSON.stringify(fields).slice(0, -1) || '{', type: 'application/json' };
    case 'text':
      return { payload: form(), type: 'text/plain' };
    case 'none':
      return {};
    case 'odd-type':
      return { payload: form(), type: oddType };
  }
}

test(`/oauth/token: ${RUNS} random and near-valid requests`, async (t) => {
  const seen = new Set<string>();
  await fc.assert(
    fc.asyncProperty(tokenRequest(), async ({ fields, authorization, encoding, oddType }) => {
      const { payload, type } = encode(fields, encoding, oddType);
      const headers: Record<string, string> = {};
      if (type) headers['content-type'] = type;
      if (authorization) headers.authorization = authorization;
      const res = await g.app.inject({ method: 'POST', url: '/oauth/token', headers, ...(payload === undefined ? {} : { payload }) });
      assert.ok(res.statusCode < 500, `${res.statusCode}: ${res.body.slice(0, 200)}`);
      assert.equal(res.headers['cache-control'], 'no-store', 'RFC 6749 §5.1 and §5.2: never cached');
      assert.match(res.headers['content-type'] as string, /^application\/json/);
      const body = res.json() as Record<string, unknown>;
      if (res.statusCode === 200) {
        seen.add('success');
        assert.equal(typeof body.access_token, 'string');
        assert.equal(body.token_type, 'Bearer');
        return;
      }
      const error = body.error as string;
      seen.add(error);
      assert.ok([400, 401].includes(res.statusCode), `status ${res.statusCode}: ${res.body.slice(0, 200)}`);
      assert.deepEqual(
        Object.keys(body).filter((k) => k !== 'error' && k !== 'error_description'),
        [],
        'only error and error_description',
      );
      assert.ok(TOKEN_ERRORS.includes(error), `error "${error}"`);
      assert.match(error, ERROR_CHARS);
      assert.equal(typeof body.error_description, 'string');
      assert.match(body.error_description as string, DESCRIPTION_CHARS, 'RFC 6749 §5.2 error_description characters');
      if (res.statusCode === 401) {
        assert.equal(error, 'invalid_client', 'only failed client authentication is a 401');
        assert.match(res.headers['www-authenticate'] as string, /^Basic realm="gatehouse"/);
      } else if (error === 'invalid_client') {
        assert.fail('invalid_client is always a 401 with a challenge here');
      }
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(`outcomes: ${[...seen].sort().join(', ')}`);
  for (const outcome of ['success', 'invalid_request', 'invalid_client', 'invalid_grant', 'unsupported_grant_type', 'unauthorized_client'])
    assert.ok(seen.has(outcome), `the fuzzer reached "${outcome}" (saw ${[...seen].join(',')})`);
});
