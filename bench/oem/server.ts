// A Gatehouse for the OEM and Vendor API benchmarks, run as a child process so the load
// generator does not share its event loop. It seeds a vendor, an organization and an external
// integration, adds a "bare" twin of GET /api/vendor-api/organization (same body and response
// schema, no MSPC_TOKEN check, no rate limit), listens on an ephemeral port and prints one JSON
// line: {url, mspcToken, clientId, clientSecret, vendorId}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; PGlite in memory when unset).
import { randomBytes } from 'node:crypto';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { organizationResponse } from '../../src/vendor-api/get-organization.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const config = loadConfig({
  GATEHOUSE_DATA_DIR: 'memory://',
  GATEHOUSE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  // The default level, as users run it: one line per request.
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
  // Measure throughput, not the limiter's refusals.
  GATEHOUSE_VENDOR_API_RATE_LIMIT: '10000000',
  GATEHOUSE_OEM_RATE_LIMIT_IP: '10000000',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const gatehouse = await buildApp(config);
const { app, services } = gatehouse;

const created = await services.vendors.create('Bench Vendor');
const { organization } = await services.organizations.create(created.vendor.id, {
  name: 'Bench MSP',
  email: 'owner@bench.example',
  vendorOrganizationId: 'bench-org',
});
const { integration, partnerApiKey } = await services.integrations.createExternal(organization.id, created.vendor.id);

const bareBody = {
  status: 200,
  organization: { id: organization.id, name: organization.name, vendorOrganizationId: organization.vendor_organization_id },
  integration: { id: integration.id, vendorId: integration.vendor_id, integrationKind: integration.kind, status: integration.status },
};
app.get(
  '/bench/bare/organization',
  {
    config: { audience: 'oem' },
    schema: { hide: true, response: { 200: organizationResponse } },
  },
  async () => bareBody,
);

await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(
  JSON.stringify({
    url: `http://127.0.0.1:${port}`,
    mspcToken: Buffer.from(`${created.apiKey}:${partnerApiKey}`).toString('base64'),
    clientId: created.vendor.client_id,
    clientSecret: created.clientSecret,
    vendorId: created.vendor.id,
  }) + '\n',
);

const stop = () =>
  void gatehouse.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
