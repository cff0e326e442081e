// Crash safety: a real server in a child process is killed with SIGKILL while a delivery is in
// flight (the receiver holds the request), started again on the same database, and every event
// still arrives: at least once, duplicates under the same webhook-id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, ENCRYPTION_KEY, admin, createTestDatabase } from './helpers.ts';
import { eventually, startReceiver } from './webhook-helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const EVENTS = 5;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, 'start'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    return /listening on/.test(output);
  }, 60_000);
  return child;
}

test('SIGKILL mid-delivery, restart: no event lost, duplicates carry the same webhook-id', { timeout: 180_000 }, async (t) => {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-crash-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    GATEHOUSE_PUBLIC_URL: url,
    GATEHOUSE_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
    GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY,
    GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
    GATEHOUSE_WEBHOOK_TIMEOUT_MS: '2000',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first request is held open until the server that sent it is dead.
  const receiver = await startReceiver(async (_req, i) => {
    if (i === 0) await held;
    return { status: 200 };
  });
  let server = await startServer(env);
  t.after(async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    release?.();
    await receiver.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, route: string, body?: unknown, headers: Record<string, string> = admin) => {
    const res = await fetch(`${url}${route}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const vendor = await api('POST', '/admin/api/v1/vendors', { name: 'Crash Vendor' });
  const creds = { clientId: vendor.client_id, clientSecret: vendor.client_secret, grantType: 'client_credentials', scope: 'vendor_manage' };
  const org = await api(
    'POST',
    '/api/oem-api/organization',
    { ...creds, data: { name: 'Crash MSP', email: 'owner@crash.example', vendorOrganizationId: 'crash-1' } },
    {},
  );
  const hook = await api('POST', `/admin/api/v1/organizations/${org.organizationId}/webhooks`, { webhook_url: receiver.url, eventTypes: ['session.created'] });
  for (let i = 0; i < EVENTS; i++) {
    await api('POST', '/api/oem-api/organization/session', { ...creds, organizationOemToken: org.organizationOemToken }, {});
  }
  await receiver.waitFor(1, 30_000);
  server.kill('SIGKILL');
  await once(server, 'exit');
  release!();

  server = await startServer(env);
  const distinct = () => new Set(receiver.received.map((r) => r.headers['webhook-id']));
  await eventually(async () => distinct().size === EVENTS, 120_000);
  await eventually(async () => {
    const log = await api('GET', `/admin/api/v1/organizations/${org.organizationId}/webhooks/${hook.webhook_id}/deliveries?limit=500`);
    const delivered = new Set(
      log.deliveries.filter((a: { delivery_status: string }) => a.delivery_status === 'delivered').map((a: { event_id: string }) => a.event_id),
    );
    return delivered.size === EVENTS;
  }, 60_000);

  assert.ok(receiver.received.length > EVENTS, `the held delivery (at least) went out again: ${receiver.received.length} requests`);
  const bodies = new Map<string, string>();
  for (const r of receiver.received) {
    const id = String(r.headers['webhook-id']);
    if (bodies.has(id)) assert.equal(r.body, bodies.get(id), 'a duplicate is the same message under the same webhook-id');
    bodies.set(id, r.body);
  }
  assert.equal(new Set([...bodies.values()].map((b) => JSON.parse(b).type)).size, 1);
  server.kill('SIGTERM');
  await once(server, 'exit');
});
