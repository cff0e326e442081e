// The console benchmark's records: 20 vendors and 200 clients through their services (their
// secrets and keys are real), then 10,000 organizations (15,000 users), 2,000 webhook
// subscriptions, 2,000 connections and 100,000 audit events spread over 30 days, each set one
// INSERT ... SELECT FROM generate_series on the storage's own handle: seconds, not 110,000 HTTP
// calls. Ids and names are derived from the row number, so every run has the same data.
import { sql } from 'kysely';
import type { Services } from '../../src/services.ts';

const ORGANIZATIONS = 10_000;
const AUDIT_EVENTS = 100_000;
const VENDORS = 20;
const CLIENTS = 200;

export async function seed(services: Services): Promise<{ vendorIds: string[]; clientIds: string[]; seededMs: number }> {
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
  // Organizations: names from a few words (a first word matches one in eight), one owner each
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
  await sql`insert into connectors (id, name, grant_type, definition) values ('bench-connector', 'Bench connector', 'client_credentials', '{}'::jsonb)`.execute(
    db,
  );
  await sql`insert into connections (id, connector_id, organization_id, status, config, last_error)
    select substr(md5('conn' || i), 1, 24), 'bench-connector', substr(md5('org' || i), 1, 24),
           case when i % 400 = 3 then 'broken' else 'active' end, '{}'::jsonb, case when i % 400 = 3 then 'invalid_grant' end
    from generate_series(3, ${ORGANIZATIONS}, 5) i`.execute(db);

  // Audit events, oldest first (ids grow with time, as they are written): mostly issued tokens,
  // then refusals, sign-ins and changes; 200 actors, 200 clients, one in ten a failure.
  await sql`insert into audit_events (at, action, outcome, actor, client_id, ip, details)
    select now() - interval '30 days' + make_interval(secs => i * 30 * 86400.0 / ${AUDIT_EVENTS}),
           a.action, case when a.failure or i % 10 = 0 then 'failure' else 'success' end,
           case when i % 7 = 0 then 'admin' when i % 7 = 1 then 'operator:' || substr(md5('op' || i % 5), 1, 24)
                else (${clientIds}::text[])[1 + (i::bigint * 7919) % ${CLIENTS}] end,
           case when i % 5 = 4 then null else (${clientIds}::text[])[1 + (i::bigint * 7919) % ${CLIENTS}] end,
           '10.0.' || (i % 250) || '.' || (i % 199),
           jsonb_build_object('organization_id', substr(md5('org' || (1 + i % ${ORGANIZATIONS})), 1, 24), 'n', i)
    from generate_series(1, ${AUDIT_EVENTS}) i,
         lateral (select (array['token.issued', 'token.issued', 'token.issued', 'token.issued', 'token.refused', 'login.succeeded', 'login.failed',
                                'client.updated', 'organization.created', 'user.added', 'connection.refreshed', 'console.signed_in'])[1 + (i * 31) % 12] as action,
                         (i * 31) % 12 in (4, 6) as failure) a`.execute(db);
  // PostgreSQL's autovacuum analyzes tables this size within a minute of a bulk load: do it now,
  // so every page is measured on the plans it settles on. The embedded database has no autovacuum
  // and never analyzes, so it is measured as users run it, without statistics.
  if (services.storage.kind === 'postgres') await sql`analyze`.execute(db);
  return { vendorIds, clientIds, seededMs: Date.now() - started };
}
