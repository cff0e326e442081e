// GATEHOUSE_METRICS_TOKEN: unset, /metrics is open to anyone who can reach it; set, it answers
// only to `Authorization: Bearer <token>`, and a missing, malformed or wrong token (of any
// length, or differing in its last character only) gets 401 with an RFC 6750 §3 challenge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, type TestGatehouse } from './helpers.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

let open: TestGatehouse;
let guarded: TestGatehouse;

before(async () => {
  open = await startGatehouse();
  guarded = await startGatehouse({ GATEHOUSE_METRICS_TOKEN: TOKEN });
});
after(async () => {
  await open.stop();
  await guarded.stop();
});

const metrics = (g: TestGatehouse, authorization?: string) =>
  g.app.inject({ method: 'GET', url: '/metrics', headers: authorization === undefined ? {} : { authorization } });

test('metrics token unset: /metrics answers without credentials', async () => {
  const res = await metrics(open);
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /^# HELP gatehouse_/m);
  assert.equal((await metrics(open, 'Bearer anything-at-all-here')).statusCode, 200, 'a token sent anyway is ignored');
});

test('metrics token set: without the token /metrics is 401 and shows no metric', async () => {
  const res = await metrics(guarded);
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error.code, 'unauthorized');
  assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse-metrics"');
  assert.doesNotMatch(res.body, /gatehouse_/);
});

test('metrics token set: a wrong token, of any length or one character off, is 401 invalid_token', async () => {
  const wrong = ['x', TOKEN.slice(0, -1), TOKEN.slice(0, -1) + (TOKEN.at(-1) === 'f' ? 'e' : 'f'), TOKEN + 'x', TOKEN.toUpperCase(), 'a'.repeat(4096)];
  for (const token of wrong) {
    const res = await metrics(guarded, `Bearer ${token}`);
    assert.equal(res.statusCode, 401, token);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="gatehouse-metrics", error="invalid_token"', token);
    assert.doesNotMatch(res.body, /gatehouse_/);
  }
});

test('metrics token set: the token in another scheme or shape is not accepted', async () => {
  for (const authorization of [TOKEN, `Basic ${TOKEN}`, `Bearer`, `Bearer ${TOKEN} extra`, `Token ${TOKEN}`]) {
    assert.equal((await metrics(guarded, authorization)).statusCode, 401, authorization);
  }
});

test('metrics token set: Bearer <token> gets the metrics', async () => {
  const res = await metrics(guarded, `Bearer ${TOKEN}`);
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  assert.match(res.body, /^# TYPE gatehouse_http_request_duration_seconds histogram/m);
  // The failed attempts above were counted like any other error.
  assert.match(res.body, /^gatehouse_errors_total\{code="unauthorized",status="401"\} \d+/m);
  assert.equal((await metrics(guarded, `bearer ${TOKEN}`)).statusCode, 200, 'the scheme is case-insensitive (RFC 9110 §11.1)');
});

test('metrics token set: other routes need nothing new', async () => {
  assert.equal((await guarded.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await guarded.app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});
