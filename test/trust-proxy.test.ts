// GATEHOUSE_TRUST_PROXY decides whose word the client address and scheme are. Unset, a client
// that sends X-Forwarded-For itself must not pick the address written to the audit log, nor
// escape a per-address limit by sending a new one each time; X-Forwarded-Proto must not make
// cookies Secure. Set (true, a hop count, a list of addresses and CIDRs), the address comes from
// the trusted hops, so two clients behind one proxy are limited separately.
// Real HTTP on a listening server: inject's remote address is fixed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { admin, startGatehouse, type TestGatehouse } from './helpers.ts';

const PER_IP = 3;
const started: TestGatehouse[] = [];
after(async () => {
  for (const g of started) await g.stop();
});

async function serve(trustProxy?: string): Promise<{ g: TestGatehouse; base: string }> {
  const g = await startGatehouse({
    ...(trustProxy === undefined ? {} : { GATEHOUSE_TRUST_PROXY: trustProxy }),
    GATEHOUSE_TOKEN_RATE_LIMIT_IP: String(PER_IP),
    GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '1000',
  });
  started.push(g);
  await g.app.listen({ host: '127.0.0.1', port: 0 });
  return { g, base: `http://127.0.0.1:${(g.app.server.address() as AddressInfo).port}` };
}

const forwarded = (xff?: string, proto?: string): Record<string, string> => ({
  ...(xff === undefined ? {} : { 'x-forwarded-for': xff }),
  ...(proto === undefined ? {} : { 'x-forwarded-proto': proto }),
});

/** A failed admin authentication; returns the ip its audit event recorded. */
async function auditedIp(g: TestGatehouse, base: string, xff?: string): Promise<string | null> {
  const marker = `Bearer wrong-${Math.random().toString(36).slice(2)}`;
  const res = await fetch(`${base}/admin/api/v1/clients`, { headers: { authorization: marker, ...forwarded(xff) } });
  assert.equal(res.status, 401);
  await res.arrayBuffer();
  const list = await g.app.inject({ method: 'GET', url: '/admin/api/v1/audit-events?action=admin.auth_failed&limit=1', headers: admin });
  const [event] = list.json().events;
  assert.ok(event, 'the failed authentication was audited');
  return event.ip;
}

/** A token request for a client that does not exist: 401 while the address may try, 429 after. */
async function tokenStatus(base: string, xff?: string): Promise<number> {
  const res = await fetch(`${base}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...forwarded(xff) },
    body: `grant_type=client_credentials&client_id=probe-${Math.random().toString(36).slice(2)}&client_secret=x`,
  });
  await res.arrayBuffer();
  return res.status;
}

/** Whether the sign-in page's CSRF cookie is Secure. */
async function cookieSecure(base: string, proto?: string): Promise<boolean> {
  const res = await fetch(`${base}/login`, { headers: forwarded(undefined, proto) });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const cookies = res.headers.getSetCookie();
  assert.ok(cookies.length > 0, 'the sign-in page sets its CSRF cookie');
  return cookies.every((c) => /;\s*Secure(;|$)/i.test(c));
}

/** PER_IP requests from `first` use up its limit; `second` is then limited or not. */
async function secondLimited(base: string, first: string, second: string): Promise<boolean> {
  for (let i = 0; i < PER_IP; i++) assert.equal(await tokenStatus(base, first), 401);
  assert.equal(await tokenStatus(base, first), 429, 'the first address is limited');
  const status = await tokenStatus(base, second);
  assert.ok(status === 401 || status === 429, String(status));
  return status === 429;
}

test('trust proxy unset: X-Forwarded-For is ignored for the audit ip and per-address limits; X-Forwarded-Proto does not make cookies Secure', async () => {
  const { g, base } = await serve();
  assert.equal(await auditedIp(g, base, '203.0.113.7'), '127.0.0.1', 'the peer, not the header');
  assert.equal(await auditedIp(g, base), '127.0.0.1');
  assert.equal(await secondLimited(base, '198.51.100.1', '198.51.100.2'), true, 'a new forwarded address does not escape the limit');
  assert.equal(await tokenStatus(base), 429, 'nor does sending none');
  assert.equal(await cookieSecure(base, 'https'), false);
  assert.equal(await cookieSecure(base), false);
});

test('trust proxy true: the client address is the first of X-Forwarded-For, limits are per forwarded address, forwarded https makes cookies Secure', async () => {
  const { g, base } = await serve('true');
  assert.equal(await auditedIp(g, base, '203.0.113.7, 10.0.0.1'), '203.0.113.7');
  assert.equal(await auditedIp(g, base), '127.0.0.1', 'without the header, the peer');
  assert.equal(await secondLimited(base, '198.51.100.1', '198.51.100.2'), false, 'another forwarded address has its own limit');
  assert.equal(await cookieSecure(base, 'https'), true);
  assert.equal(await cookieSecure(base, 'http'), false);
  assert.equal(await cookieSecure(base), false);
});

test("trust proxy hop count 1: only the proxy's own entry (the last) is believed; what the client wrote before it is not", async () => {
  const { g, base } = await serve('1');
  assert.equal(await auditedIp(g, base, '203.0.113.7, 192.0.2.44'), '192.0.2.44', 'the entry the one trusted proxy appended');
  assert.equal(await auditedIp(g, base, '192.0.2.45'), '192.0.2.45');
  // The client varies the part it controls: still the same address, still limited.
  for (let i = 0; i < PER_IP; i++) assert.equal(await tokenStatus(base, `10.9.9.${i}, 192.0.2.50`), 401);
  assert.equal(await tokenStatus(base, '10.9.9.99, 192.0.2.50'), 429, 'a spoofed first entry does not escape the limit');
  assert.equal(await tokenStatus(base, '192.0.2.51'), 401, 'another client behind the proxy is not limited');
  assert.equal(await cookieSecure(base, 'https'), true);
});

test('trust proxy hop count 2: the entry before the last is the client', async () => {
  const { g, base } = await serve('2');
  assert.equal(await auditedIp(g, base, '203.0.113.7, 198.51.100.3, 10.0.0.9'), '198.51.100.3');
  assert.equal(await auditedIp(g, base, '198.51.100.4'), '198.51.100.4', 'fewer entries than hops: the furthest');
});

test('trust proxy CIDR list: hops inside the list are skipped, the first address outside it is the client', async () => {
  const { g, base } = await serve('127.0.0.1/32, 10.0.0.0/8');
  assert.equal(await auditedIp(g, base, '198.51.100.9, 203.0.113.5, 10.1.2.3'), '203.0.113.5');
  assert.equal(await auditedIp(g, base, '10.4.4.4, 10.1.2.3'), '10.4.4.4', 'all trusted: the furthest');
  assert.equal(await secondLimited(base, '203.0.113.20', '203.0.113.21'), false);
  assert.equal(await cookieSecure(base, 'https'), true);
});

test('trust proxy CIDR list without the peer: forwarded headers from an untrusted peer are ignored', async () => {
  const { g, base } = await serve('10.0.0.0/8, 192.168.0.0/16');
  assert.equal(await auditedIp(g, base, '203.0.113.7'), '127.0.0.1');
  assert.equal(await secondLimited(base, '198.51.100.1', '198.51.100.2'), true);
  assert.equal(await cookieSecure(base, 'https'), false, 'https claimed by an untrusted peer');
});
