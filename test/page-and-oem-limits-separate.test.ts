// The OEM API and the pages have limits of their own (GATEHOUSE_OEM_RATE_LIMIT_IP,
// GATEHOUSE_PAGE_RATE_LIMIT_IP), counted apart: a vendor's integration hammering the OEM API from
// an address does not lock the people behind it out of /login or /oauth/authorize, nor the other
// way round. Each surface answers its 429 in its own vocabulary, with one code, and Retry-After:
// oauth {"error":"too_many_requests"}, OEM {"status":429,"error":"RATE_LIMITED"}, admin and MSP
// {"error":{"code":"rate_limited"}}, pages an HTML page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { startGatehouse, type TestGatehouse } from './helpers.ts';

const OEM = 3;
const PAGES = 4;
const TOKEN = 2;
const AUTH_FAILURES = 2;
let g: TestGatehouse;

before(async () => {
  g = await startGatehouse({
    GATEHOUSE_OEM_RATE_LIMIT_IP: String(OEM),
    GATEHOUSE_PAGE_RATE_LIMIT_IP: String(PAGES),
    GATEHOUSE_TOKEN_RATE_LIMIT_IP: String(TOKEN),
    GATEHOUSE_AUTH_FAILURE_LIMIT_IP: String(AUTH_FAILURES),
  });
});
after(() => g.stop());

const from = (remoteAddress: string, request: InjectOptions): InjectOptions => ({ ...request, remoteAddress });
const oem: InjectOptions = { method: 'GET', url: '/api/oem-api/organization/org_x/vendors' };
const login: InjectOptions = { method: 'GET', url: '/login' };
const authorize: InjectOptions = { method: 'GET', url: '/oauth/authorize?response_type=code&client_id=nobody' };
const token: InjectOptions = {
  method: 'POST',
  url: '/oauth/token',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: 'grant_type=client_credentials&client_id=nobody&client_secret=x',
};
const msp: InjectOptions = { method: 'GET', url: '/api/msp/v1/webhooks' };
const adminApi: InjectOptions = { method: 'GET', url: '/admin/api/v1/clients', headers: { authorization: 'Bearer not-the-admin-token' } };

async function use(ip: string, request: InjectOptions, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await g.app.inject(from(ip, request));
    assert.notEqual(res.statusCode, 429, `${typeof request.url === 'string' ? request.url : JSON.stringify(request.url)} #${i + 1} is within the limit`);
  }
}

function limited(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 429, res.body);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 300, `Retry-After: ${res.headers['retry-after']}`);
}

test('exhausting the OEM limit leaves /login and /oauth/authorize open; the OEM 429 is RATE_LIMITED', async () => {
  const ip = '198.51.100.1';
  await use(ip, oem, OEM);
  const res = await g.app.inject(from(ip, oem));
  limited(res);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(res.json().status, 429);
  assert.equal(res.json().error, 'RATE_LIMITED');
  assert.equal(typeof res.json().message, 'string');
  await use(ip, login, PAGES);
  await use(ip, authorize, PAGES);
});

test('exhausting the page limit on /login leaves the OEM API open; the page 429 is an HTML page', async () => {
  const ip = '198.51.100.2';
  await use(ip, login, PAGES);
  const res = await g.app.inject(from(ip, login));
  limited(res);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /^<!doctype html>/i);
  assert.match(res.body, /Too many requests/);
  await use(ip, oem, OEM);
});

test('exhausting /oauth/authorize leaves the OEM API open; its 429 is an HTML page too', async () => {
  const ip = '198.51.100.3';
  await use(ip, authorize, PAGES);
  const res = await g.app.inject(from(ip, authorize));
  limited(res);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /Too many requests/);
  await use(ip, oem, OEM);
});

test("the token endpoint's 429 is the OAuth too_many_requests", async () => {
  const ip = '198.51.100.4';
  await use(ip, token, TOKEN);
  const res = await g.app.inject(from(ip, token));
  limited(res);
  assert.equal(res.json().error, 'too_many_requests');
  assert.equal(typeof res.json().error_description, 'string');
  await use(ip, oem, OEM);
  await use(ip, login, PAGES);
});

test("the MSP API's 429 is rate_limited", async () => {
  const ip = '198.51.100.5';
  await use(ip, msp, PAGES);
  const res = await g.app.inject(from(ip, msp));
  limited(res);
  assert.equal(res.json().error.code, 'rate_limited');
  await use(ip, oem, OEM);
});

test("the admin API's 429 is rate_limited", async () => {
  const ip = '198.51.100.6';
  for (let i = 0; i < AUTH_FAILURES; i++) assert.equal((await g.app.inject(from(ip, adminApi))).statusCode, 401);
  const res = await g.app.inject(from(ip, adminApi));
  limited(res);
  assert.equal(res.json().error.code, 'rate_limited');
  await use(ip, oem, OEM);
  await use(ip, login, PAGES);
});

test("every 429 is counted under its surface's one code", async () => {
  const text = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
  const codes = new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('gatehouse_errors_total{') && l.includes('status="429"'))
      .map((l) => /code="([^"]+)"/.exec(l)![1]),
  );
  assert.deepEqual([...codes].sort(), ['RATE_LIMITED', 'rate_limited', 'too_many_requests']);
});
