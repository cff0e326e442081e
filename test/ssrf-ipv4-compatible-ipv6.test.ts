// Reproduces: the IPv4-compatible IPv6 form ::127.0.0.1 (and the IPv4-translated
// ::ffff:0:127.0.0.1) passed the address policy, and the webhook-URL error echoed the private
// address a host name resolved to.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { addressPolicy } from '../src/net/address-policy.ts';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { mspSetup } from './webhook-helpers.ts';

test('IPv4-compatible and IPv4-translated IPv6 addresses are refused, whatever IPv4 address they embed', () => {
  const policy = addressPolicy([]);
  for (const address of [
    '::127.0.0.1',
    '::7f00:1',
    '::10.0.0.1',
    '::169.254.169.254',
    '::8.8.8.8',
    '::ffff:0:127.0.0.1',
    '::ffff:0:7f00:1',
    '0:0:0:0:0:0:7f00:1',
    '::',
    '::1',
  ]) {
    assert.ok(policy.refuse(address), `${address} should be refused`);
  }
  for (const address of ['2606:4700:4700::1111', '8.8.8.8', '2a00:1450:4001:80e::200e']) assert.equal(policy.refuse(address), undefined, address);
  // The operator can still open loopback explicitly.
  assert.equal(addressPolicy(['::/96']).refuse('::127.0.0.1'), undefined);
});

let g: TestGatehouse;
before(async () => {
  g = await startGatehouse();
});
after(async () => {
  await g.stop();
});

test('a webhook URL on ::127.0.0.1 is refused with 400; a host name resolving to loopback is refused without naming the address', async () => {
  const setup = await mspSetup(g);
  const create = (webhook_url: string) =>
    g.app.inject({ method: 'POST', url: '/api/msp/v1/webhooks', headers: setup.auth, payload: { webhook_url, eventTypes: ['user.added'] } });
  for (const url of ['https://[::127.0.0.1]/hook', 'https://[::7f00:1]:8443/hook', 'http://[::ffff:0:7f00:1]/hook']) {
    const res = await create(url);
    assert.equal(res.statusCode, 400, `${url}: ${res.body}`);
    assert.match(res.json().error.message, /body\/webhook_url is refused|body\/webhook_url must be an https URL/, url);
  }
  // localhost resolves to 127.0.0.1 (or ::1): the answer says the name is refused, not where it points.
  const named = await create('http://localhost:9/hook');
  assert.equal(named.statusCode, 400);
  const message = named.json().error.message as string;
  assert.match(message, /localhost:9 resolves to a private, loopback or reserved address/);
  assert.doesNotMatch(message, /127\.0\.0\.1|::1\b/, message);
});
