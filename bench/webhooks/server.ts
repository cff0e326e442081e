// A Gatehouse for the webhook benchmark, run as a child process. It seeds a vendor, an
// organization and one subscription to BENCH_RECEIVER_URL, and adds a hidden control route that
// commits events: POST /bench/webhooks/emit {count, perTransaction} (as fast as possible) or
// {count, perSecond} (paced: every 10 ms, the events due so far in one transaction) answers at
// once and emits in the background; GET /bench/webhooks/commits returns each event's commit time.
// Prints one JSON line: {url, adminToken, organizationId}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; PGlite on disk when unset), BENCH_RECEIVER_URL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { emit } from '../../src/events/outbox.ts';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = databaseUrl ? undefined : await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-webhooks-'));
const adminToken = 'bench-admin-token-0123456789';
const config = loadConfig({
  GATEHOUSE_DATA_DIR: dataDir ?? 'memory://',
  GATEHOUSE_ADMIN_TOKEN: adminToken,
  GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
  LOG_LEVEL: 'silent',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
});
const gatehouse = await buildApp(config);
const { app, services } = gatehouse;

const created = await services.vendors.create('Bench Vendor');
const { organization } = await services.organizations.create(created.vendor.id, { name: 'Bench MSP', email: 'owner@bench.example', vendorOrganizationId: 'bench-org' });
await services.webhooks.subscriptions.create(organization.id, { url: process.env.BENCH_RECEIVER_URL!, eventTypes: ['integration.status_changed'] });

const commits = new Map<string, number>();

async function commitEvents(count: number) {
  const ids: string[] = [];
  await services.storage.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i++) {
      ids.push(await emit(trx, { type: 'integration.status_changed', organizationId: organization.id, data: { organizationId: organization.id, integrationId: 'bench', from: 'pending', to: 'active' } }));
    }
  });
  const at = Date.now();
  for (const id of ids) commits.set(id, at);
}

/** Commit `count` events: `perTransaction` at a time as fast as possible, or paced to `perSecond`. */
async function run(count: number, perSecond: number, perTransaction: number) {
  const started = performance.now();
  for (let sent = 0; sent < count;) {
    if (perSecond === 0) {
      const n = Math.min(perTransaction, count - sent);
      await commitEvents(n);
      sent += n;
      continue;
    }
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond)) - sent;
    if (due > 0) {
      await commitEvents(due);
      sent += due;
    }
    await sleep(10);
  }
}

app.post('/bench/webhooks/emit', { schema: { hide: true } }, async (request) => {
  const { count, perSecond = 0, perTransaction = 1 } = request.body as { count: number; perSecond?: number; perTransaction?: number };
  commits.clear();
  void run(count, perSecond, perTransaction).catch((err) => process.stderr.write(`emit failed: ${err}\n`));
  return { ok: true };
});
app.get('/bench/webhooks/commits', { schema: { hide: true } }, async () => Object.fromEntries(commits));

await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, adminToken, organizationId: organization.id }) + '\n');

const stop = () => void gatehouse.close()
  .then(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined))
  .then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
