// Retries never lose a one-time secret. A loopback TCP proxy in front of a real Gatehouse hands
// the first request on, reads the whole answer, and then cuts the SDK's connection instead of
// delivering it: the organization exists, its organizationOemToken went nowhere. The SDK's retry
// carries the same Idempotency-Key, so Gatehouse replays the stored answer and the token arrives.
// The partner API key of an external integration is kept the same way, shown here with a fetch
// that lets the request through and then reports the connection lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { GatehouseClient, GatehouseConflictError } from '../packages/client/src/index.ts';
import { freePort, startGatehouse } from './helpers.ts';
import { createVendor, organizationData } from './oem-helpers.ts';
import { recordingSleep } from './sdk-server.ts';

interface Exchange {
  request: string;
  response: string;
  delivered: boolean;
}

/** Forwards each connection to `port`; the first `drop` answers are read whole and then withheld. */
async function droppingProxy(port: number, drop: number) {
  const exchanges: Exchange[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const exchange: Exchange = { request: '', response: '', delivered: exchanges.length >= drop };
    exchanges.push(exchange);
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('data', (chunk: Buffer) => void (exchange.request += chunk.toString('latin1')));
    client.pipe(upstream);
    if (exchange.delivered) {
      upstream.on('data', (chunk: Buffer) => void (exchange.response += chunk.toString('latin1')));
      upstream.pipe(client);
      return;
    }
    upstream.on('data', (chunk: Buffer) => {
      exchange.response += chunk.toString('latin1');
      if (!completeResponse(exchange.response)) return;
      // The answer is complete and the server is done with it: the client never sees it.
      client.destroy();
      upstream.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exchanges,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function completeResponse(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /^content-length:\s*(\d+)/im.exec(raw.slice(0, end));
  return length !== null && Buffer.byteLength(raw.slice(end + 4), 'latin1') >= Number(length[1]);
}

function header(raw: string, name: string): string | undefined {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
  return new RegExp(`^${name}:\\s*(.*?)\\s*$`, 'im').exec(head)?.[1];
}

function jsonBody(raw: string): Record<string, unknown> {
  return JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
}

test('createOrganization whose first answer is lost on the wire still gets the one-time token', async (t) => {
  const port = await freePort();
  const gatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: `http://127.0.0.1:${port}` });
  t.after(() => gatehouse.stop());
  await gatehouse.app.listen({ port, host: '127.0.0.1' });
  const vendor = await createVendor(gatehouse, 'Lossy Network Vendor');
  const proxy = await droppingProxy(port, 1);
  t.after(() => proxy.close());

  const { sleep, waits } = recordingSleep();
  const client = new GatehouseClient({ baseUrl: proxy.url, clientId: vendor.client_id, clientSecret: vendor.client_secret, retry: { attempts: 3 }, sleep });
  const data = organizationData();
  const organization = await client.createOrganization(data);

  // Two requests with one key: the first committed and its answer was withheld, the second got it.
  assert.equal(proxy.exchanges.length, 2);
  assert.equal(waits.length, 1, 'one retry');
  const [lost, retried] = proxy.exchanges;
  assert.equal(lost.delivered, false);
  const key = header(lost.request, 'idempotency-key');
  assert.ok(key, 'the first attempt carried an Idempotency-Key');
  assert.equal(header(retried.request, 'idempotency-key'), key, 'the retry carried the same key');
  const withheld = jsonBody(lost.response);
  assert.equal(withheld.status, 201, 'the first attempt had created the organization');
  assert.equal(organization.status, 201);
  assert.equal(organization.organizationOemToken, withheld.organizationOemToken, 'the retry got the token the lost answer held');
  assert.equal(organization.organizationId, withheld.organizationId);

  // The token works, and there is one organization: a new call (a new key) is a conflict.
  const session = await client.createSession({ organizationOemToken: organization.organizationOemToken });
  assert.equal(session.status, 201);
  await assert.rejects(client.createOrganization(data), GatehouseConflictError);
});

test('createIntegration whose answer is lost still gets the one-time partner API key', async (t) => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const gatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: baseUrl });
  t.after(() => gatehouse.stop());
  await gatehouse.app.listen({ port, host: '127.0.0.1' });
  const vendor = await createVendor(gatehouse, 'Lossy Network Vendor');

  // The request reaches Gatehouse and is answered; the caller is told the connection failed.
  const lost: Record<string, unknown>[] = [];
  const keys: (string | null)[] = [];
  const lossyFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (!(input instanceof Request ? input.url : input.toString()).endsWith('/api/oem-api/integration')) return response;
    keys.push(new Headers(init?.headers).get('idempotency-key'));
    if (lost.length > 0) return response;
    lost.push((await response.json()) as Record<string, unknown>);
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  };
  const { sleep } = recordingSleep();
  const client = new GatehouseClient({
    baseUrl,
    clientId: vendor.client_id,
    clientSecret: vendor.client_secret,
    vendorId: vendor.vendor_id,
    vendorApiKey: vendor.vendor_api_key,
    retry: { attempts: 3 },
    sleep,
    fetch: lossyFetch,
  });
  const { organizationId } = await client.createOrganization(organizationData());
  const integration = await client.createIntegration({ organizationId });

  assert.equal(keys.length, 2);
  assert.ok(keys[0] && keys[0] === keys[1], 'one key for both attempts');
  assert.equal(lost[0].status, 201, 'the first attempt had created the integration');
  assert.equal(integration.partnerApiKey, lost[0].partnerApiKey, 'the retry got the key the lost answer held');
  const reached = await client.vendorApi(integration.partnerApiKey).getOrganization();
  assert.equal(reached.integration.id, integration.integration.id);
  const integrations = await client.listIntegrations(organizationId);
  assert.equal(integrations.integrations.length, 1, 'one integration, not two');
});
