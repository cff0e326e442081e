// One place per table: every table of src/db/schema*.ts has an owning module that holds its
// queries, and route handlers and pages call that module instead of running SQL. This test reads
// src as text, finds every statement that names a table (Kysely's selectFrom, insertInto,
// updateTable, deleteFrom, mergeInto and joins, raw sql`` text, and the table handed to the shared
// one-time-token store), and fails when a file that is
// neither an owner nor listed below with its reason touches the table.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

interface Ownership {
  /** The modules that hold the table's queries (more than one only where one domain is several stages). */
  owners: string[];
  /** Other modules that name the table, each with why it cannot go through an owner. */
  also?: Record<string, string>;
}

// Joins are allowed in read models only, where one statement must see rows of two tables at one
// instant (a check that must not race), or in a lock used as a per-organization mutex.
const VENDOR_DISABLED_IN_SAME_STATEMENT =
  'a disabled vendor must refuse in the same statement that reads the credential, so the check cannot race the disabling';
const ORGANIZATION_LOCK = "locks the organization's row (SELECT id ... FOR UPDATE) as the mutex for a per-organization limit; reads nothing else from it";
const CONNECTOR_SEARCH =
  "the console's connector search by vendor id: the connectors that vendor's organizations are connected through, one read-model statement";
const CREDENTIAL_VERSION_JOIN = "joins the user's credential version: the row is good only while it matches, read in the same statement";

export const TABLE_OWNERS: Record<string, Ownership> = {
  // People and their sign-in
  users: {
    owners: ['src/accounts/users.ts'],
    also: {
      'src/accounts/sessions.ts': `a session is live only while the user's credential version and the vendor match: ${CREDENTIAL_VERSION_JOIN}`,
      'src/oauth/authorizations.ts': `the live grants and authorised apps: ${CREDENTIAL_VERSION_JOIN}`,
      'src/oauth/tokens.ts': `introspection of an opaque token: ${CREDENTIAL_VERSION_JOIN}`,
    },
  },
  login_links: { owners: ['src/accounts/login-links.ts'] },
  password_links: { owners: ['src/accounts/password-links.ts'] },
  browser_sessions: { owners: ['src/accounts/sessions.ts'] },
  login_throttle: { owners: ['src/accounts/throttle.ts'] },
  login_known_addresses: { owners: ['src/accounts/throttle.ts'] },
  // The console's operators
  operators: {
    owners: ['src/accounts/operators.ts'],
    also: { 'src/accounts/operator-sessions.ts': "a console session is live only while the operator's credential version matches, read in the same statement" },
  },
  operator_sessions: { owners: ['src/accounts/operator-sessions.ts'] },
  operator_password_links: { owners: ['src/accounts/operators.ts'] },

  // Tenants
  vendors: {
    owners: ['src/vendors/vendors.ts'],
    also: {
      'src/accounts/login-links.ts': VENDOR_DISABLED_IN_SAME_STATEMENT,
      'src/accounts/sessions.ts': VENDOR_DISABLED_IN_SAME_STATEMENT,
      'src/integrations/integrations.ts': VENDOR_DISABLED_IN_SAME_STATEMENT,
      'src/vendor-api/mspc-auth.ts': `the Vendor API's two-key authentication is one read model on the hot path; ${VENDOR_DISABLED_IN_SAME_STATEMENT}`,
    },
  },
  vendor_api_keys: {
    owners: ['src/vendors/vendors.ts'],
    also: {
      'src/vendor-api/mspc-auth.ts': "the Vendor API's two-key authentication (read model, one statement per key)",
      'src/vendor-api/usage.ts': 'the batched last-use writer: writes last_used_at only, many rows in one statement every few seconds',
    },
  },
  organizations: {
    owners: ['src/organizations/organizations.ts'],
    also: {
      'src/accounts/login-links.ts': `spending a link: ${VENDOR_DISABLED_IN_SAME_STATEMENT}`,
      'src/accounts/sessions.ts': VENDOR_DISABLED_IN_SAME_STATEMENT,
      'src/accounts/users.ts': `the last-owner rule: ${ORGANIZATION_LOCK}`,
      'src/webhooks/subscriptions.ts': `the subscription cap: ${ORGANIZATION_LOCK}`,
      'src/connectors/credentials.ts': "a connection is read with its organization's vendor, for the vendor's quirks and audit",
      'src/connectors/connectors.ts': CONNECTOR_SEARCH,
      'src/vendor-api/mspc-auth.ts': "the Vendor API's two-key authentication (read model)",
    },
  },
  integrations: {
    owners: ['src/integrations/integrations.ts'],
    also: {
      'src/vendor-api/mspc-auth.ts': "the Vendor API's two-key authentication (read model)",
      'src/vendor-api/usage.ts': 'the batched last-use writer: writes last_used_at only',
    },
  },
  partner_api_keys: {
    owners: ['src/integrations/integrations.ts'],
    also: {
      'src/vendor-api/mspc-auth.ts': "the Vendor API's two-key authentication (read model)",
      'src/vendor-api/usage.ts': 'the batched last-use writer: writes last_used_at only',
    },
  },
  vendor_accounts: { owners: ['src/vendor-api/records.ts'] },
  vendor_services: { owners: ['src/vendor-api/records.ts'] },
  admin_tokens: { owners: ['src/admin/auth.ts'] },
  idempotency_keys: { owners: ['src/oem/idempotency.ts'] },

  // The authorization server
  clients: {
    owners: ['src/clients/clients.ts'],
    also: { 'src/oauth/authorizations.ts': "the authorised-apps list shows each grant's client name (read model)" },
  },
  grants: { owners: ['src/oauth/authorizations.ts'] },
  grant_jtis: { owners: ['src/oauth/authorizations.ts'] },
  consents: { owners: ['src/oauth/authorizations.ts'] },
  authorization_codes: { owners: ['src/oauth/codes.ts'] },
  refresh_tokens: { owners: ['src/oauth/refresh-tokens.ts'] },
  access_tokens: { owners: ['src/oauth/tokens.ts'] },
  revoked_jtis: { owners: ['src/oauth/tokens.ts'] },
  signing_keys: { owners: ['src/keys/keystore.ts'] },

  // Events, audit and webhooks
  audit_events: { owners: ['src/audit/audit.ts'] },
  outbox_events: {
    owners: ['src/events/outbox.ts'],
    also: {
      'src/webhooks/dispatcher.ts':
        'claims a batch of undispatched events and fans them out in one statement (for update skip locked): the transactional outbox',
    },
  },
  webhook_subscriptions: {
    owners: ['src/webhooks/subscriptions.ts'],
    also: {
      'src/webhooks/dispatcher.ts': "the fan-out reads the batch's live subscriptions inside the claiming transaction",
      'src/webhooks/worker-deps.ts': 'a delivery is read with its subscription (URL, secret, status) in one statement when claimed',
      'src/webhooks/record.ts': "an attempt's outcome moves the subscription's failure count (and disables it) in the same statement",
      'src/webhooks/deliveries.ts': 'the delivery log of the MSP API is a read model over subscriptions, deliveries and attempts',
    },
  },
  // The delivery pipeline owns its two tables together, one module a stage: the dispatcher
  // creates deliveries, the worker claims them, record writes attempts and outcomes, deliveries
  // lists and redelivers, retention drops old ones.
  webhook_deliveries: {
    owners: ['src/webhooks/dispatcher.ts', 'src/webhooks/worker-deps.ts', 'src/webhooks/record.ts', 'src/webhooks/deliveries.ts', 'src/webhooks/retention.ts'],
  },
  webhook_attempts: {
    owners: ['src/webhooks/record.ts', 'src/webhooks/deliveries.ts', 'src/webhooks/retention.ts'],
  },

  // Outbound connectors
  connectors: { owners: ['src/connectors/connectors.ts'] },
  // Connections: the store (save, list, remove) and the credential state machine (refresh lease,
  // failures, rotation), which must update the token columns under its own row lock.
  connections: {
    owners: ['src/connectors/connections.ts', 'src/connectors/credentials.ts'],
    also: { 'src/connectors/connectors.ts': CONNECTOR_SEARCH },
  },
  connector_states: { owners: ['src/connectors/authorization.ts'] },
  connect_links: { owners: ['src/connectors/connect-links.ts'] },
};

/** Modules that name tables through a parameter, never a literal: the shared mechanisms. */
const GENERIC: Record<string, string> = {
  'src/db/one-time-tokens.ts': "the one-time-token store, used by each token table's owner with its own table name",
};

const root = join(import.meta.dirname, '..');

function tablesOfSchema(): Set<string> {
  const tables = new Set<string>();
  for (const file of readdirSync(join(root, 'src/db')).filter((f) => /^schema.*\.ts$/.test(f))) {
    for (const m of readFileSync(join(root, 'src/db', file), 'utf8').matchAll(/^\s+([a-z_]+): [A-Z]\w*Table;/gm)) tables.add(m[1]!);
  }
  return tables;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const withoutComments = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');

const KYSELY =
  /\b(selectFrom|insertInto|replaceInto|updateTable|deleteFrom|mergeInto|innerJoin|leftJoin|rightJoin|fullJoin|innerJoinLateral|leftJoinLateral)\(\s*(\[[^\]]*\]|['"][^'"]*['"]|[^\s)'"[][^,)]*)/g;
// A table handed to the shared one-time-token store (src/db/one-time-tokens.ts) by its owner.
const TOKEN_STORE = /\bnew (?:Spendable|OneTime)Tokens\([^{]*\{\s*table:\s*['"]([a-z_]+)/g;
const RAW = /\b(?:from|into|update|join|table)\s+([a-z_]+)\b/gi;

/** Per file, the tables it names, and whether it names one through a variable. */
function scan(tables: Set<string>) {
  const touches = new Map<string, Set<string>>();
  const dynamic = new Map<string, string>();
  for (const path of sourceFiles(join(root, 'src'))) {
    const file = relative(root, path).split('\\').join('/');
    const text = withoutComments(readFileSync(path, 'utf8'));
    const found = new Set<string>();
    for (const [, , argument] of text.matchAll(KYSELY)) {
      const literals = [...argument!.matchAll(/['"]([a-z_]+)/g)].map((m) => m[1]!);
      if (literals.length === 0) dynamic.set(file, argument!.trim());
      for (const name of literals) if (tables.has(name)) found.add(name);
    }
    for (const [, name] of text.matchAll(TOKEN_STORE)) if (tables.has(name!)) found.add(name!);
    // Raw SQL (sql`...` templates): a table named after from, into, update, join or table.
    for (const [, name] of text.matchAll(RAW)) if (tables.has(name!)) found.add(name!);
    if (found.size > 0) touches.set(file, found);
  }
  return { touches, dynamic };
}

const tables = tablesOfSchema();
const { touches, dynamic } = scan(tables);

test('the scanner sees the statements it is meant to see', () => {
  assert.ok(tables.size >= 30, `only ${tables.size} tables read from the schema files`);
  assert.ok(touches.get('src/accounts/users.ts')?.has('users'), 'accounts/users.ts runs Kysely statements on users');
  assert.ok(touches.get('src/webhooks/record.ts')?.has('webhook_attempts'), 'record.ts writes attempts in raw SQL');
  assert.ok(touches.get('src/accounts/sessions.ts')?.has('vendors'), 'sessions.ts joins vendors');
  assert.ok(touches.get('src/oauth/codes.ts')?.has('authorization_codes'), 'codes.ts keeps its codes in the one-time-token store');
});

test('every table of the schema has an owner, and every owner exists', () => {
  assert.deepEqual(
    [...tables].filter((t) => !TABLE_OWNERS[t]),
    [],
    'tables without an entry in TABLE_OWNERS',
  );
  assert.deepEqual(
    Object.keys(TABLE_OWNERS).filter((t) => !tables.has(t)),
    [],
    'entries for tables the schema does not have',
  );
  for (const [table, { owners }] of Object.entries(TABLE_OWNERS)) {
    for (const owner of owners) assert.ok(touches.get(owner)?.has(table), `${owner} is named owner of ${table} but runs no statement on it`);
  }
});

test('no module touches a table it does not own, except where the map says why', () => {
  const strays: string[] = [];
  for (const [file, names] of touches) {
    for (const table of names) {
      const { owners, also = {} } = TABLE_OWNERS[table]!;
      if (!owners.includes(file) && !(file in also)) strays.push(`${file} touches ${table} (owned by ${owners.join(', ')})`);
    }
  }
  assert.deepEqual(strays, [], 'move these queries into the owning module, or justify the read model in TABLE_OWNERS');
});

test('every exception in the map is still needed', () => {
  const stale: string[] = [];
  for (const [table, { also = {} }] of Object.entries(TABLE_OWNERS)) {
    for (const file of Object.keys(also)) if (!touches.get(file)?.has(table)) stale.push(`${file} no longer touches ${table}`);
  }
  assert.deepEqual(stale, [], 'remove these entries from TABLE_OWNERS');
});

test('tables are named through a variable only by the shared mechanisms', () => {
  const unexpected = [...dynamic].filter(([file]) => !(file in GENERIC)).map(([file, argument]) => `${file}: ${argument}`);
  assert.deepEqual(unexpected, [], 'name the table literally (so this test can see it), or add the module to GENERIC with its reason');
  for (const file of Object.keys(GENERIC)) assert.ok(dynamic.has(file), `${file} is listed as generic but names no table through a variable`);
});
