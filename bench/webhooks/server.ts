// A Gatehouse for the webhook benchmark, run as a child process. It seeds a vendor, an
// organization and one subscription to BENCH_RECEIVER_URL, and adds a hidden control route that
// commits events: POST /bench/webhooks/emit {count} (all at once: one statement writes them to
// the outbox, so the figure is the delivery side's, not the emitting loop's) or {count, perSecond}
// (paced: every 10 ms the events due so far, through emit() in one transaction) answers at once
// and commits in the background; GET /bench/webhooks/commits returns each event's commit time.
// Prints one JSON line: {url, adminToken, organizationId}.
// Environment: BENCH_DATABASE_URL (PostgreSQL; PGlite on disk when unset), BENCH_RECEIVER_URL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { signal } from '../../src/db/index.ts';
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
  // The default level, as users run it: one line per request.
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
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
await services.webhooks.subscriptions.create(organization.id, { url: process.env.BENCH_RECEIVER_URL!, eventTypes: ['integration.status_changed'] });

const commits = new Map<string, number>();

async function commitEvents(count: number) {
  const ids: string[] = [];
  await services.storage.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i++) {
      ids.push(
        await emit(trx, {
          type: 'integration.status_changed',
          organizationId: organization.id,
          data: { organizationId: organization.id, integrationId: 'bench', from: 'pending', to: 'active' },
        }),
      );
    }
  });
  const at = Date.now();
  for (const id of ids) commits.set(id, at);
}

/** `count` outbox rows in one statement, as emit() writes them, and the signal emit() sends. */
async function commitAtOnce(count: number) {
  const data = JSON.stringify({ organizationId: organization.id, integrationId: 'bench', from: 'pending', to: 'active' });
  const rows = await services.storage.db.transaction().execute(async (trx) => {
    const inserted = await sql<{ id: string }>`
      insert into outbox_events (id, organization_id, type, payload, created_at)
      select 'evt_' || replace(gen_random_uuid()::text, '-', ''), ${organization.id}, 'integration.status_changed',
        jsonb_build_object('type', 'integration.status_changed', 'timestamp', now(), 'data', ${data}::jsonb), now()
      from generate_series(1, ${count}::int)
      returning id`.execute(trx);
    await signal(trx, 'outbox');
    return inserted.rows;
  });
  const at = Date.now();
  for (const r of rows) commits.set(r.id, at);
}

/** Commit `count` events paced to `perSecond`: every 10 ms, those due so far in one transaction. */
async function paced(count: number, perSecond: number) {
  const started = performance.now();
  for (let sent = 0; sent < count;) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond)) - sent;
    if (due > 0) {
      await commitEvents(due);
      sent += due;
    }
    await sleep(10);
  }
}

app.post('/bench/webhooks/emit', { schema: { hide: true } }, async (request) => {
  const { count, perSecond } = request.body as { count: number; perSecond?: number };
  commits.clear();
  void (perSecond ? paced(count, perSecond) : commitAtOnce(count)).catch((err) => process.stderr.write(`emit failed: ${err}\n`));
  return { ok: true };
});
app.get('/bench/webhooks/commits', { schema: { hide: true } }, async () => Object.fromEntries(commits));

await app.listen({ port: 0, host: '127.0.0.1' });
const { port } = app.server.address() as { port: number };
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, adminToken, organizationId: organization.id }) + '\n');

const stop = () =>
  void gatehouse
    .close()
    .then(() => (dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined))
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
