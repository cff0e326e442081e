// Answers without a body through the connector proxy: a vendor's 204 and 304, and a HEAD where
// the connector allows it, are passed on with their status and no body, and the process stays
// up (an unread outbound body that is thrown away must not surface as an unhandled abort error).
// A large streamed answer still arrives whole, and a small one after it on the same connection.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startGatehouse, type TestGatehouse } from './helpers.ts';
import { LOOPBACK, connectClientCredentials, createConnector, definition, organization, proxy, startVendor, type QuirkyVendor } from './connector-vendors.ts';

let g: TestGatehouse;
let vendor: QuirkyVendor;
const unexpected: unknown[] = [];
const record = (error: unknown) => unexpected.push(error);
before(async () => {
  process.on('uncaughtException', record);
  g = await startGatehouse(LOOPBACK);
  vendor = await startVendor();
});
after(async () => {
  process.off('uncaughtException', record);
  await g.stop();
  await vendor.close();
});

test('204, 304 and HEAD answers pass through without a body; a large answer streams whole; nothing is left unhandled', async () => {
  const connector = await createConnector(g, definition(vendor, { proxyMethods: ['GET', 'HEAD'] }));
  const { organizationId } = await organization(g);
  const { connection_id } = await connectClientCredentials(g, connector, organizationId);
  const large = 'z'.repeat(200_000);
  vendor.onApi = (req, res) => {
    if (req.url?.endsWith('/empty')) res.writeHead(204, { 'x-vendor': 'yes' }).end();
    else if (req.url?.endsWith('/unchanged')) res.writeHead(304, { etag: '"v1"' }).end();
    else if (req.url?.endsWith('/large')) res.writeHead(200, { 'content-type': 'text/plain' }).end(large);
    else if (req.method === 'HEAD') res.writeHead(200, { 'content-type': 'application/json', 'content-length': '123' }).end();
    else return false;
    return true;
  };
  const empty = await proxy(g, connection_id, '/empty');
  assert.deepEqual([empty.statusCode, empty.body, empty.headers['x-vendor']], [204, '', 'yes']);
  const unchanged = await proxy(g, connection_id, '/unchanged');
  assert.deepEqual([unchanged.statusCode, unchanged.body, unchanged.headers.etag], [304, '', '"v1"']);
  const head = await proxy(g, connection_id, '/items', { method: 'HEAD' });
  assert.deepEqual([head.statusCode, head.body], [200, '']);
  const streamed = await proxy(g, connection_id, '/large');
  assert.equal(streamed.statusCode, 200);
  assert.equal(streamed.body, large);
  const echoed = await proxy(g, connection_id, '/items');
  assert.equal(echoed.statusCode, 200, echoed.body);
  assert.equal(echoed.json().method, 'GET');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(unexpected, []);
});
