// The outbound Agent's pools: the connections an origin opens together go to the address vetted
// for it without resolving and vetting the name again for each, a refusal is not kept, and a call
// leaves no timer behind once it is over (its deadline is cleared, not left to run out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { addressPolicy, type AddressPolicy } from '../src/net/address-policy.ts';
import { createAgent, OutboundRefused, send } from '../src/net/outbound.ts';

/** A server that answers after a short pause, so that calls sent together need a connection each. */
async function slowServer(t: { after(fn: () => unknown): void }): Promise<{ url: string; sockets: () => number }> {
  const server = http.createServer((_req, res) => setTimeout(() => res.end('ok'), 30));
  let sockets = 0;
  server.on('connection', () => sockets++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, sockets: () => sockets };
}

function counting(inner: AddressPolicy): { policy: AddressPolicy; vetted: string[] } {
  const vetted: string[] = [];
  return {
    vetted,
    policy: {
      refuse: (address) => {
        vetted.push(address);
        return inner.refuse(address);
      },
      allowedPrivate: (address) => inner.allowedPrivate(address),
    },
  };
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test('an origin vetted once serves the connections it opens; each call clears its deadline', async (t) => {
  const server = await slowServer(t);
  const { policy, vetted } = counting(addressPolicy(['127.0.0.1/32']));
  const agent = createAgent(policy);
  t.after(() => agent.destroy());
  const five = Array.from({ length: 5 });
  const heads = await Promise.all(five.map(() => send(agent, { method: 'GET', url: server.url, timeoutMs: 60_000, until: 'head' })));
  assert.deepEqual(await Promise.all(heads.map((r) => r.body.text())), ['ok', 'ok', 'ok', 'ok', 'ok']);
  const wholes = await Promise.all(five.map(() => send(agent, { method: 'GET', url: server.url, timeoutMs: 60_000 })));
  assert.deepEqual(await Promise.all(wholes.map((r) => r.body.text())), ['ok', 'ok', 'ok', 'ok', 'ok']);
  assert.ok(server.sockets() >= 5, `the calls sent together had a connection each (${server.sockets()} opened)`);
  assert.deepEqual(vetted, ['127.0.0.1'], 'the address was vetted once for the origin');
  const before = timers();
  for (let i = 0; i < 20; i++) {
    await (await send(agent, { method: 'GET', url: server.url, timeoutMs: 60_000, until: 'head' })).body.text();
    await (await send(agent, { method: 'GET', url: server.url, timeoutMs: 60_000 })).body.text();
  }
  // 40 calls of a minute's deadline each: had their timers been left to run out, 40 would be pending.
  assert.ok(timers() - before < 10, `no deadline is left running after its call (${timers() - before} timers more)`);
});

test('a refused origin is asked again on the next call, and reached once the policy allows it', async (t) => {
  const server = await slowServer(t);
  let open = false;
  const agent = createAgent({ refuse: () => (open ? undefined : 'not open yet'), allowedPrivate: () => open });
  t.after(() => agent.destroy());
  await assert.rejects(send(agent, { method: 'GET', url: server.url, timeoutMs: 2000 }), OutboundRefused);
  open = true;
  const response = await send(agent, { method: 'GET', url: server.url, timeoutMs: 2000 });
  assert.equal(await response.body.text(), 'ok');
});
