// A Gatehouse for the proxy benchmark (embedded PGlite in memory): a client-credentials connector
// to the upstream named by BENCH_UPSTREAM_URL, one organization connected through it. Prints one
// JSON line: {url, connectionId, adminToken}.
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const upstream = process.env.BENCH_UPSTREAM_URL as string;
const adminToken = 'bench-admin-token-0123456789';
const gatehouse = await buildApp(
  loadConfig({
    GATEHOUSE_DATA_DIR: 'memory://',
    GATEHOUSE_ADMIN_TOKEN: adminToken,
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
    // The default level, as users run it: one line per request.
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
  }),
);
const { app, services } = gatehouse;
const { vendor } = await services.vendors.create('Bench Vendor');
const { organization } = await services.organizations.create(vendor.id, { name: 'Bench MSP', email: 'owner@bench.example' });
const connector = await services.connectors.connectors.create({
  name: 'Bench API',
  grantType: 'client_credentials',
  tokenUrl: `${upstream}/token`,
  clientId: 'bench',
  clientSecret: 'bench-secret',
  apiBaseUrl: `${upstream}/api`,
});
const { connection } = await services.connectors.connect(connector.id, organization.id);

await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, connectionId: connection.id, adminToken }) + '\n');
const stop = () =>
  void gatehouse.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
