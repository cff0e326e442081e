// Rate limits on the token endpoint, per client and per IP address: 429 with Retry-After in the
// RFC 6749 error shape, and a throttled request issues nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { createClient, startGatehouse, type TestGatehouse } from './helpers.ts';
import { basicAuth, post, snapshot, type Credentials } from './oauth-helpers.ts';

const PER_CLIENT = 3;
const PER_IP = 5;
let g: TestGatehouse;

before(async () => {
  g = await startGatehouse({ GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: String(PER_CLIENT), GATEHOUSE_TOKEN_RATE_LIMIT_IP: String(PER_IP) });
});
after(() => g.stop());

const from = (ip: string, request: InjectOptions): InjectOptions => ({ ...request, remoteAddress: ip });
const basicToken = (c: Credentials) => post('/oauth/token', 'grant_type=client_credentials', basicAuth(c));
const opaqueClient = (name: string) => createClient(g, { name, scopes: ['read'], token_format: 'opaque' });

async function assertThrottled(request: InjectOptions) {
  const before = await snapshot(g);
  const res = await g.app.inject(request);
  assert.equal(res.statusCode, 429, res.body);
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60, `Retry-After: ${res.headers['retry-after']}`);
  assert.equal(res.json().error, 'too_many_requests');
  assert.equal(typeof res.json().error_description, 'string');
  assert.equal(res.json().access_token, undefined);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual((await snapshot(g)).state, before.state, 'a throttled request issues nothing');
}

test('per client, whatever the address and the authentication method', async () => {
  const a = await opaqueClient('busy client');
  for (let i = 1; i <= PER_CLIENT; i++) assert.equal((await g.app.inject(from(`10.0.1.${i}`, basicToken(a)))).statusCode, 200);
  await assertThrottled(from('10.0.1.10', basicToken(a)));
  await assertThrottled(from('10.0.1.11', post('/oauth/token', { grant_type: 'client_credentials', client_id: a.client_id, client_secret: a.client_secret })));
  const b = await opaqueClient('quiet client');
  assert.equal((await g.app.inject(from('10.0.1.10', basicToken(b)))).statusCode, 200, 'other clients are not affected');
});

test("per client also for failed attempts: guessing one client's secret from many addresses is throttled", async () => {
  const target = await opaqueClient('target');
  const guess = (i: number) => from(`10.0.2.${i}`, basicToken({ client_id: target.client_id, client_secret: `guess-${i}` }));
  for (let i = 1; i <= PER_CLIENT; i++) assert.equal((await g.app.inject(guess(i))).statusCode, 401);
  await assertThrottled(guess(PER_CLIENT + 1));
});

test('per IP address, whatever the client', async () => {
  const ip = '10.0.3.1';
  // Unknown clients count too: probing for client ids from one address is throttled.
  for (let i = 1; i <= PER_IP; i++) {
    assert.equal((await g.app.inject(from(ip, basicToken({ client_id: `probe-${i}`, client_secret: 'x' })))).statusCode, 401);
  }
  const fresh = await opaqueClient('fresh client');
  await assertThrottled(from(ip, basicToken(fresh)));
  assert.equal((await g.app.inject(from('10.0.3.2', basicToken(fresh)))).statusCode, 200, 'another address is not affected');
});

test('per client under any spelling of the client id: percent-encoding it differently each time does not evade the limit', async () => {
  const target = await opaqueClient('well-known id');
  const id = target.client_id;
  // Each spelling decodes to the same id (RFC 6749 §2.3.1), so each counts against the same client.
  const escape = (ch: string) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`;
  const spellings = [id, escape(id[0]) + id.slice(1), id.slice(0, -1) + escape(id.at(-1)!), Array.from(id).map(escape).join('')];
  const guess = (i: number) =>
    from(
      `10.0.4.${i}`,
      post('/oauth/token', 'grant_type=client_credentials', {
        authorization: `Basic ${Buffer.from(`${spellings[i]}:guess-${i}`).toString('base64')}`,
      }),
    );
  for (let i = 0; i < PER_CLIENT; i++) assert.equal((await g.app.inject(guess(i))).statusCode, 401);
  await assertThrottled(guess(PER_CLIENT));
});
