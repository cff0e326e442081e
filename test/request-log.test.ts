// The request log: one line per request at the default level, written when the response is
// sent, with the URL redacted and the authenticated client named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApp } from '../src/app.ts';
import { redactUrl } from '../src/logger.ts';
import { basic, createClient, createTestDatabase, logCapture, testConfig } from './helpers.ts';

test('one line per request at info level, with status, duration, request id and client', async () => {
  const log = logCapture('info');
  const database = await createTestDatabase();
  const g = await buildApp(testConfig({ LOG_LEVEL: 'info' }, database.url), { logger: log.logger });
  let c: { client_id: string; client_secret: string };
  try {
    await g.app.ready();
    c = await createClient(g);
    log.clear();
    const res = await g.app.inject({
      method: 'POST',
      url: '/oauth/token?code=secret-code',
      headers: { authorization: basic(c.client_id, c.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=client_credentials',
    });
    assert.equal(res.statusCode, 200);
    await g.app.inject({ method: 'GET', url: '/no/such/route' });
  } finally {
    await g.close();
    await database.drop();
  }
  const lines = log.lines();
  const requests = lines.filter((l) => l.msg === 'request completed');
  assert.equal(requests.length, 2, 'one line for each of the two requests');
  assert.equal(lines.filter((l) => l.msg === 'incoming request').length, 0, 'no arrival line at info level');
  const [issued, missing] = requests;
  assert.equal(issued.method, 'POST');
  assert.equal(issued.url, '/oauth/token?code=[redacted]');
  assert.equal(issued.status, 200);
  assert.equal(issued.clientId, c!.client_id);
  assert.equal(typeof issued.ms, 'number');
  assert.match(String(issued.reqId), /./);
  assert.equal(missing.status, 404);
  assert.equal(missing.clientId, undefined);
});

test('secrets in a URL are redacted, also inside a percent-encoded return_to', () => {
  const authorize = '/oauth/authorize?client_id=c&id_token_hint=eyJhbGciOi.eyJzdWIi.sig&state=s';
  assert.equal(redactUrl(authorize), '/oauth/authorize?client_id=c&id_token_hint=[redacted]&state=s');
  const login = `/login?return_to=${encodeURIComponent(authorize)}`;
  const redacted = redactUrl(login);
  assert.ok(!redacted.includes('eyJ'), redacted);
  assert.match(redacted, /%26id_token_hint%3D\[redacted\]%26state%3Ds$/);
});

test("a request's own logger writes with its request id and the same redaction, and only at enabled levels", async () => {
  const log = logCapture('info');
  const database = await createTestDatabase();
  const g = await buildApp(testConfig({ LOG_LEVEL: 'info' }, database.url), { logger: log.logger });
  try {
    g.app.get('/test/request-logger', async (request) => {
      request.log.debug({ detail: 'not at info level' }, 'debug line');
      request.log.warn({ token: 'a-secret-token', detail: 'kept' }, 'warn line');
      return { level: request.log.level };
    });
    await g.app.ready();
    log.clear();
    const res = await g.app.inject({ method: 'GET', url: '/test/request-logger' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { level: 'info' });
  } finally {
    await g.close();
    await database.drop();
  }
  const lines = log.lines();
  assert.equal(lines.filter((l) => l.msg === 'debug line').length, 0, 'nothing below the level is written');
  const warned = lines.find((l) => l.msg === 'warn line');
  const completed = lines.find((l) => l.msg === 'request completed');
  assert.ok(warned && completed, log.text());
  assert.equal(warned.reqId, completed.reqId, "the line carries the request's id");
  assert.equal(warned.token, '[redacted]');
  assert.equal(warned.detail, 'kept');
  assert.equal(warned.level, 40);
});
