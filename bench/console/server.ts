// Gatehouse for the console benchmark: built through the composition root on a fresh embedded
// database in a temporary directory (or on BENCH_DATABASE_URL), at default settings but for the
// pages' rate limit, seeded with 20 vendors, 200 clients, 10,000 organizations (15,000 users),
// 2,000 webhook subscriptions, 2,000 connections and 100,000 audit events spread over 30 days.
// The bulk rows go in with a few INSERT ... SELECT FROM generate_series statements on the
// storage's own handle (seconds, not 110,000 HTTP calls); vendors and clients go through their
// services so their secrets and keys are real. Prints one JSON line once it listens:
// {url, adminToken, counts, probes} where probes are values the case's URLs use (an actor, a
// client id, a vendor id, a user's email, the cursors of deep pages).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const ADMIN_TOKEN = 'bench-admin-token-0123456789';
const ORGANIZATIONS = 10_000;
const AUDIT_EVENTS = 100_000;
const VENDORS = 20;
const CLIENTS = 200;

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
const { services } = gatehouse;
const db = services.storage.db;

const vendorIds: string[] = [];
for (let i = 0; i < VENDORS; i++) vendorIds.push((await services.vendors.create(`Vendor ${String(i + 1).padStart(2, '0')}`)).vendor.id);
const clientIds: string[] = [];
const CLIENT_NAMES = ['PSA sync', 'RMM agent', 'Billing bridge', 'Backup portal', 'Ticket relay'];
for (let i = 0; i < CLIENTS; i++) {
  const { client } = await services.clients.create({
    name: `${CLIENT_NAMES[i % CLIENT_NAMES.length]} ${i + 1}`,
    type: 'public',
    grant_types: ['authorization_code', 'refresh_token'],
    scopes: ['read'],
    redirect_uris: [`https://app${i}.example/callback`],
  });
  clientIds.push(client.id);
}

const started = Date.now();
// Organizations: names from a few words (so a name prefix matches a few hundred), one owner each
// and a member in every other one. Ids are md5-derived hex of the usual length.
await sql`insert into organizations (id, vendor_id, name, vendor_organization_id, owner_email, oem_token_hash, created_at, updated_at)
  select substr(md5('org' || i), 1, 24), (${vendorIds}::text[])[1 + i % ${VENDORS}],
         (array['Acme', 'Bluewave', 'Northwind', 'Contoso', 'Fabrikam', 'Globex', 'Initech', 'Umbrella'])[1 + i % 8] || ' '
           || (array['IT', 'Networks', 'Managed Services', 'Technology', 'Solutions'])[1 + (i / 8) % 5] || ' ' || i,
         'vo-' || i, 'owner' || i || '@msp' || i || '.example', md5('token' || i),
         now() - make_interval(secs => (${ORGANIZATIONS} - i) * 60), now() - make_interval(secs => (${ORGANIZATIONS} - i) * 60)
  from generate_series(1, ${ORGANIZATIONS}) i`.execute(db);
await sql`insert into users (id, organization_id, email, first_name, last_name, vendor_user_id, role, email_verified)
  select substr(md5('owner' || i), 1, 24), substr(md5('org' || i), 1, 24), 'owner' || i || '@msp' || i || '.example', 'Owner', 'Number ' || i, 'vu-' || i, 'owner', true
  from generate_series(1, ${ORGANIZATIONS}) i`.execute(db);
await sql`insert into users (id, organization_id, email, first_name, last_name, role, email_verified)
  select substr(md5('member' || i), 1, 24), substr(md5('org' || i), 1, 24), 'tech' || i || '@msp' || i || '.example', 'Tech', 'Number ' || i, 'member', true
  from generate_series(2, ${ORGANIZATIONS}, 2) i`.execute(db);

// Webhook subscriptions (one in five organizations; a few failing, a few disabled) and
// connections of one connector (one in five; a few broken). The secrets are placeholders: the
// console's lists never open them.
await sql`insert into webhook_subscriptions (id, organization_id, url, event_types, secret, status, disabled_reason, failing_since)
  select substr(md5('hook' || i), 1, 24), substr(md5('org' || i), 1, 24), 'https://hooks' || i || '.example/in', '{organization.created}',
         'sealed-placeholder', case when i % 500 = 0 then 'disabled' else 'enabled' end,
         case when i % 500 = 0 then 'failing for 3 days' end, case when i % 250 = 0 then now() - interval '2 hours' end
  from generate_series(5, ${ORGANIZATIONS}, 5) i`.execute(db);
await sql`insert into connectors (id, name, grant_type, definition) values ('bench-connector', 'Bench connector', 'client_credentials', '{}'::jsonb)`.execute(db);
await sql`insert into connections (id, connector_id, organization_id, status, config, last_error)
  select substr(md5('conn' || i), 1, 24), 'bench-connector', substr(md5('org' || i), 1, 24),
         case when i % 400 = 0 then 'broken' else 'active' end, '{}'::jsonb, case when i % 400 = 0 then 'invalid_grant' end
  from generate_series(3, ${ORGANIZATIONS}, 5) i`.execute(db);

// Audit events, oldest first (ids grow with time, as they are written): mostly issued tokens,
// then refusals, sign-ins and changes; 200 actors, 200 clients, one in ten a failure.
await sql`insert into audit_events (at, action, outcome, actor, client_id, ip, details)
  select now() - interval '30 days' + make_interval(secs => i * 30 * 86400.0 / ${AUDIT_EVENTS}),
         a.action, case when a.failure or i % 10 = 0 then 'failure' else 'success' end,
         case when i % 7 = 0 then 'admin' when i % 7 = 1 then 'operator:' || substr(md5('op' || i % 5), 1, 24)
              else (${clientIds}::text[])[1 + (i * 7919) % ${CLIENTS}] end,
         case when i % 5 = 4 then null else (${clientIds}::text[])[1 + (i * 7919) % ${CLIENTS}] end,
         '10.0.' || (i % 250) || '.' || (i % 199),
         jsonb_build_object('organization_id', substr(md5('org' || (1 + i % ${ORGANIZATIONS})), 1, 24), 'n', i)
  from generate_series(1, ${AUDIT_EVENTS}) i,
       lateral (select (array['token.issued', 'token.issued', 'token.issued', 'token.issued', 'token.refused', 'login.succeeded', 'login.failed',
                              'client.updated', 'organization.created', 'user.added', 'connection.refreshed', 'console.signed_in'])[1 + (i * 31) % 12] as action,
                       (i * 31) % 12 in (4, 6) as failure) a`.execute(db);
const seeded = Date.now() - started;

const probe = await sql<{ id: string }>`select id::text from audit_events order by id limit 1 offset 1000`.execute(db);
const url = await gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(
  JSON.stringify({
    url: url.replace('localhost', '127.0.0.1'),
    adminToken: ADMIN_TOKEN,
    seededMs: seeded,
    probes: {
      actor: 'admin',
      clientId: clientIds[7],
      vendorId: vendorIds[3],
      email: 'tech4242@msp4242.example',
      // Deep pages: the audit log a thousand events from its oldest, organizations near the end.
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
