// Unit tier: the one Bearer parser and the one WWW-Authenticate builder, with hostile input.
import assert from 'node:assert/strict';
import test from 'node:test';
import { bearerChallenge, bearerToken, challenge, parseBearer, quotedString } from './authorization.ts';

test('a well-formed Bearer header gives its token', () => {
  assert.deepEqual(parseBearer('Bearer abc123'), { kind: 'token', token: 'abc123' });
  // RFC 6750 §2.1: every b64token character, and trailing '=' padding.
  assert.deepEqual(parseBearer('Bearer aZ09-._~+/=='), { kind: 'token', token: 'aZ09-._~+/==' });
  assert.equal(bearerToken('Bearer gha_x.y.z'), 'gha_x.y.z');
});

test('the scheme is case-insensitive (RFC 9110 §11.1)', () => {
  for (const scheme of ['bearer', 'BEARER', 'bEaReR']) assert.deepEqual(parseBearer(`${scheme} t0k`), { kind: 'token', token: 't0k' }, scheme);
});

test('spaces separate scheme and token (RFC 6750 §2.1: 1*SP); whitespace around the value is not part of it (RFC 9110 §5.5)', () => {
  assert.equal(bearerToken('Bearer  two-spaces'), 'two-spaces');
  assert.equal(bearerToken('  Bearer padded \t'), 'padded');
});

test('no header, another scheme, or no scheme at all is not a Bearer credential', () => {
  assert.deepEqual(parseBearer(undefined), { kind: 'absent' });
  for (const header of ['', ' ', 'Basic dXNlcjpwYXNz', 'Token abc', 'Bearerabc', 'Bearer-x abc', '"Bearer" abc', 'abc']) {
    assert.deepEqual(parseBearer(header), { kind: 'other' }, JSON.stringify(header));
  }
});

test('the Bearer scheme with anything but one b64token is malformed', () => {
  const hostile = [
    'Bearer',
    'Bearer ',
    'Bearer\tabc',
    'Bearer \tabc',
    'Bearer abc def',
    'Bearer abc,def',
    'Bearer a,',
    'Bearer abc, realm="x"',
    'Bearer realm="x"',
    'Bearer "abc"',
    'Bearer abc\\',
    'Bearer =abc',
    'Bearer abc=d',
    'Bearer abc\r\nX-Injected: 1',
    'Bearer ab\u00e9',
    'Bearer ab\u0000c',
    'Bearer a*b',
    'Bearer a;b',
    'Bearer:abc',
    'Bearer\u00a0abc',
  ];
  for (const header of hostile) {
    assert.deepEqual(parseBearer(header), { kind: 'malformed' }, JSON.stringify(header));
    assert.equal(bearerToken(header), undefined);
  }
});

/** Read a challenge back as a client would (RFC 9110 §11.6.1, §5.6.4), refusing anything off-grammar. */
function readChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const head = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: (.*))?$/s.exec(header);
  assert.ok(head, `no scheme: ${header}`);
  const params: Record<string, string> = {};
  let rest = head[2] ?? '';
  while (rest.length > 0) {
    const param = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)="((?:[\t\x20\x21\x23-\x5B\x5D-\x7E]|\\[\t\x20-\x7E])*)"(?:, |$)/.exec(rest);
    assert.ok(param, `not an auth-param list: ${rest}`);
    params[param[1].toLowerCase()] = param[2].replace(/\\(.)/g, '$1');
    rest = rest.slice(param[0].length);
  }
  return { scheme: head[1], params };
}

test('the challenges the surfaces send', () => {
  assert.equal(bearerChallenge({ realm: 'gatehouse-metrics' }), 'Bearer realm="gatehouse-metrics"');
  assert.equal(bearerChallenge({ realm: 'gatehouse-metrics', error: 'invalid_token' }), 'Bearer realm="gatehouse-metrics", error="invalid_token"');
  assert.equal(
    bearerChallenge({ realm: 'gatehouse', error: 'insufficient_scope', scope: 'vendor_manage' }),
    'Bearer realm="gatehouse", error="insufficient_scope", scope="vendor_manage"',
  );
  assert.equal(
    bearerChallenge({ realm: 'r', error: 'invalid_request', error_description: 'bad header', scope: 'a b' }),
    'Bearer realm="r", error="invalid_request", scope="a b", error_description="bad header"',
  );
  assert.equal(challenge('Basic', { realm: 'gatehouse', charset: 'UTF-8' }), 'Basic realm="gatehouse", charset="UTF-8"');
  assert.equal(challenge('Bearer', {}), 'Bearer');
});

test('quotes, backslashes and commas in realm and scope stay inside their quoted-string (RFC 9110 §5.6.4)', () => {
  const realm = 'a "quoted", \\back\\slashed realm, error="forged"';
  const scope = 'read "x\\" write,admin';
  const header = bearerChallenge({ realm, scope, error: 'insufficient_scope' });
  const { scheme, params } = readChallenge(header);
  assert.equal(scheme, 'Bearer');
  assert.deepEqual(params, { realm, scope, error: 'insufficient_scope' }, header);
  assert.equal(quotedString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
});

test('error and error_description keep to RFC 6750 §3 (no quote or backslash at all), so nothing can be forged', () => {
  const description = 'the value "a\\b", error="forged", scope="admin"';
  const header = bearerChallenge({ realm: 'r', error: 'invalid_request', error_description: description });
  const { params } = readChallenge(header);
  assert.deepEqual(Object.keys(params), ['realm', 'error', 'error_description']);
  assert.equal(params.error_description, "the value 'a?b', error='forged', scope='admin'");
  assert.doesNotMatch(params.error_description, /["\\]/);
});

test('control characters and non-ASCII never reach the header (no CRLF injection)', () => {
  const header = bearerChallenge({ realm: 'evil\r\nSet-Cookie: x=1', error: 'invalid_token', error_description: 'caf\u00e9\u0000\n', scope: 'a\u2028b' });
  assert.doesNotMatch(header, /[\r\n\0\u0080-\uffff]/u);
  const { params } = readChallenge(header);
  assert.equal(params.realm, 'evil??Set-Cookie: x=1');
  assert.equal(params.scope, 'a?b');
  assert.equal(params.error_description, 'caf???');
  // A tab is allowed in a quoted-string (qdtext), so it stays.
  assert.equal(quotedString('a\tb'), '"a\tb"');
});
