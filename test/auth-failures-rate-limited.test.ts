// Guessing credentials must cost something: an address that keeps presenting made-up MSPC
// tokens to the Vendor API, bad admin tokens to the admin API or random tokens to the connector
// proxy gets 429 after GATEHOUSE_AUTH_FAILURE_LIMIT_IP failures (not 401 forever), then even
// with a good credential, until the window ends. Only the first GATEHOUSE_AUTH_FAILURE_AUDITED
// failures of an address become audit events, while gatehouse_auth_failures_total counts every
// one; another address is not affected.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';

const LIMIT = 6;
const AUDITED = 2;
let g: TestGatehouse;

before(async () => {
  g = await startGatehouse({
    GATEHOUSE_AUTH_FAILURE_LIMIT_IP: String(LIMIT),
    GATEHOUSE_AUTH_FAILURE_AUDITED: String(AUDITED),
    GATEHOUSE_AUTH_FAILURE_WINDOW_MS: '600000',
  });
});
after(() => g.stop());

const random = () => randomBytes(12).toString('hex');
const from = (remoteAddress: string, request: InjectOptions): InjectOptions => ({ ...request, remoteAddress });

const vendorApi = (token: string): InjectOptions => ({ method: 'GET', url: '/api/vendor-api/organization', headers: { authorization: `Bearer ${token}` } });
const mspcToken = () => Buffer.from(`${random()}:${random()}`).toString('base64');
const adminApi = (token: string): InjectOptions => ({ method: 'GET', url: '/admin/api/v1/clients', headers: { authorization: `Bearer ${token}` } });
const proxy = (token: string): InjectOptions => ({
  method: 'GET',
  url: '/api/connections/conn_nothere/proxy/v1/things',
  headers: { authorization: `Bearer ${token}` },
});

async function auditedFrom(action: string, ip: string): Promise<number> {
  const res = await g.app.inject(from('127.0.0.1', { method: 'GET', url: `/admin/api/v1/audit-events?action=${action}&limit=1000`, headers: admin }));
  assert.equal(res.statusCode, 200, res.body);
  return (res.json().events as { ip: string }[]).filter((e) => e.ip === ip).length;
}

async function failures(surface: string): Promise<{ audited: number; unaudited: number }> {
  const text = (await g.app.inject({ method: 'GET', url: '/metrics' })).body;
  const value = (audited: boolean) => {
    const line = text.split('\n').find((l) => l.startsWith(`gatehouse_auth_failures_total{surface="${surface}",audited="${audited}"}`));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  };
  return { audited: value(true), unaudited: value(false) };
}

interface Surface {
  name: string;
  action: string;
  bad: () => InjectOptions;
  good: InjectOptions | undefined;
  /** Checks the 429's body, in the surface's own error vocabulary. */
  assert429: (body: { status?: number; error?: string | { code?: string } }) => void;
}

const surfaces: Surface[] = [
  {
    name: 'vendor_api',
    action: 'vendor_api.refused',
    bad: () => vendorApi(mspcToken()),
    good: undefined,
    assert429: (body) => {
      assert.equal(body.status, 429);
      assert.equal(body.error, 'RATE_LIMITED');
    },
  },
  {
    name: 'admin',
    action: 'admin.auth_failed',
    bad: () => adminApi(`gha_${random()}`),
    good: { method: 'GET', url: '/admin/api/v1/clients', headers: admin },
    assert429: (body) => assert.equal((body.error as { code?: string }).code, 'rate_limited'),
  },
  {
    name: 'connector_proxy',
    action: 'admin.auth_failed',
    bad: () => proxy(random()),
    good: { ...proxy(''), headers: admin },
    assert429: (body) => assert.equal((body.error as { code?: string }).code, 'rate_limited'),
  },
];

for (const [n, surface] of surfaces.entries()) {
  test(`${surface.name}: random credentials from one address get 429 after the limit, not 401 forever; audit rows stop at the threshold, the metric counts on`, async () => {
    const attacker = `198.51.100.${10 + n}`;
    const bystander = `203.0.113.${10 + n}`;
    const metricBefore = await failures(surface.name);
    const auditBefore = await auditedFrom(surface.action, attacker);
    assert.equal(auditBefore, 0);

    for (let i = 1; i <= LIMIT; i++) {
      const res = await g.app.inject(from(attacker, surface.bad()));
      assert.equal(res.statusCode, 401, `attempt ${i}: ${res.body}`);
    }
    for (let i = 0; i < 5; i++) {
      const res = await g.app.inject(from(attacker, surface.bad()));
      assert.equal(res.statusCode, 429, res.body);
      const retryAfter = Number(res.headers['retry-after']);
      assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 600, `Retry-After: ${res.headers['retry-after']}`);
      surface.assert429(res.json());
    }
    if (surface.good) {
      assert.equal((await g.app.inject(from(attacker, surface.good))).statusCode, 429, 'a good credential from the blocked address waits too');
    }

    assert.equal(await auditedFrom(surface.action, attacker), AUDITED, 'only the first failures are audited');
    const metric = await failures(surface.name);
    assert.equal(metric.audited - metricBefore.audited, AUDITED);
    assert.equal(metric.unaudited - metricBefore.unaudited, LIMIT - AUDITED, 'every failure is counted');

    // Another address still gets its own 401s (and its own audit rows), and a good credential works.
    const other = await g.app.inject(from(bystander, surface.bad()));
    assert.equal(other.statusCode, 401, other.body);
    assert.equal(await auditedFrom(surface.action, bystander), 1);
    if (surface.good) assert.notEqual((await g.app.inject(from(bystander, surface.good))).statusCode, 429);
  });
}

test('the admin token from a fresh address works after another address was blocked', async () => {
  const res = await g.app.inject(from('192.0.2.200', { method: 'GET', url: '/admin/api/v1/clients', headers: admin }));
  assert.equal(res.statusCode, 200, res.body);
});
