// Gatehouse for the console benchmark: built through the composition root on a fresh embedded
// database in a temporary directory (or on BENCH_DATABASE_URL), at default settings but for the
// pages' rate limit, seeded by ./seed.ts (10,000 organizations, 100,000 audit events and their
// neighbours). Prints one JSON line once it listens: {url, adminToken, seededMs, probes}, the
// probes being values the case's URLs use (an actor, a client id, a vendor id, a user's email, a
// search term and the cursor of a deep audit page).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { seed } from './seed.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-console-'));
process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
const gatehouse = await buildApp(
  loadConfig({
    GATEHOUSE_DATA_DIR: dataDir,
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
    // Measure the pages, not the limiter's refusals.
    GATEHOUSE_PAGE_RATE_LIMIT_IP: '10000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  }),
);
const { vendorIds, clientIds, seededMs } = await seed(gatehouse.services);
const db = gatehouse.services.storage.db;

const probe = await sql<{ id: string }>`select id::text from audit_events order by id limit 1 offset 1000`.execute(db);
const url = await gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  JSON.stringify({
    url: url.replace('localhost', '127.0.0.1'),
    adminToken: ADMIN_TOKEN,
    seededMs,
    probes: {
      actor: 'admin',
      clientId: clientIds[7],
      vendorId: vendorIds[3],
      email: 'tech4242@msp4242.example',
      // A deep page: the audit log a thousand events from its oldest.
      auditBefore: probe.rows[0]!.id,
      orgSearch: 'northwind',
    },
  }) + '\n',
);

const stop = () =>
  void gatehouse.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
