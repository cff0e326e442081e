import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { addressPolicy } from '../src/net/address-policy.ts';
import { createAgent, OutboundRefused, send } from '../src/net/outbound.ts';

const refused = [
  '0.0.0.0',
  '10.1.2.3',
  '100.64.0.1',
  '100.127.255.254',
  '127.0.0.1',
  '127.255.255.255',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.8',
  '192.0.2.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '::',
  '::1',
  '::ffff:127.0.0.1',
  '::ffff:8.8.8.8',
  '64:ff9b::a00:1',
  '64:ff9b:1::1',
  '100::1',
  '2001:db8::1',
  '2001::1',
  '2002:7f00:1::1',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'fec0::1',
  'ff02::1',
];
const allowed = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e'];

test('the address table: private, loopback, link-local, CGNAT, multicast, reserved, mapped and NAT64 are refused', () => {
  const policy = addressPolicy([]);
  for (const address of refused) assert.ok(policy.refuse(address), `${address} should be refused`);
  for (const address of allowed) assert.equal(policy.refuse(address), undefined, `${address} should be allowed`);
});

test('GATEHOUSE_ALLOW_PRIVATE_NETWORKS opens exactly what it lists', () => {
  const some = addressPolicy(['127.0.0.0/8', '10.0.0.5']);
  assert.equal(some.refuse('127.0.0.1'), undefined);
  assert.equal(some.refuse('10.0.0.5'), undefined);
  assert.ok(some.refuse('10.0.0.6'));
  assert.ok(some.refuse('192.168.0.1'));
  const all = addressPolicy(true);
  for (const address of refused) assert.equal(all.refuse(address), undefined);
});

test('outbound calls: loopback refused by default, reached when allowed; http only where opened', async (t) => {
  const server = http.createServer((_req, res) => res.end('hello'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as { port: number };

  const closed = createAgent(addressPolicy([]));
  const open = createAgent(addressPolicy(['127.0.0.1/32']));
  t.after(() => Promise.all([closed.destroy(), open.destroy()]));
  for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `https://127.0.0.1:${port}/`, `http://[::1]:${port}/`]) {
    await assert.rejects(send(closed, { method: 'GET', url, timeoutMs: 2000 }), OutboundRefused, url);
  }
  await assert.rejects(send(closed, { method: 'GET', url: 'ftp://example.com/', timeoutMs: 2000 }), OutboundRefused);

  const response = await send(open, { method: 'GET', url: `http://localhost:${port}/`, timeoutMs: 2000 }).catch((e) => e);
  // localhost may resolve to ::1 first on some machines; then it is refused, which is also correct.
  if (response instanceof OutboundRefused) assert.match(response.message, /::1/);
  else {
    assert.equal(response.status, 200);
    let body = '';
    for await (const chunk of response.body) body += chunk;
    assert.equal(body, 'hello');
  }
  const direct = await send(open, { method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
  assert.equal(direct.status, 200);
  direct.body.resume();
});
