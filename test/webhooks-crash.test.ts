// Crash safety: a real server in a child process is killed with SIGKILL in the middle of a
// webhook backlog (one delivery held in flight by the receiver, some delivered, the rest still
// queued or not yet dispatched), started again on the same database, and every event still
// arrives: at least once, duplicates under the same webhook-id and with the same body. The
// recovery delay of the in-flight delivery (pg-boss expiring the dead worker's job) is measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, ENCRYPTION_KEY, admin, createTestDatabase } from './helpers.ts';
import { eventually, startReceiver } from './webhook-helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const EVENTS = 40;

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

test('kill -9 in the middle of a webhook backlog, restart on the same database: no event lost, re-sends carry the same webhook-id', { timeout: 180_000 }, async (t) => {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-crash-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port), HOST: '127.0.0.1', GATEHOUSE_PUBLIC_URL: url, GATEHOUSE_DATA_DIR: dataDir, LOG_LEVEL: 'warn',
    GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN, GATEHOUSE_ENCRYPTION_KEY: ENCRYPTION_KEY, GATEHOUSE_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
    GATEHOUSE_WEBHOOK_TIMEOUT_MS: '2000', ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  let release: (() => void) | undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  // The first request is held open until the server that sent it is dead; the others are answered
  // slowly, so that a backlog is still waiting when the kill comes.
  const receiver = await startReceiver(async (_req, i) => {
    if (i === 0) await held;
    else await sleep(40);
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
    const res = await fetch(`${url}${route}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const vendor = await api('POST', '/admin/api/v1/vendors', { name: 'Crash Vendor' });
  const creds = { clientId: vendor.client_id, clientSecret: vendor.client_secret, grantType: 'client_credentials', scope: 'vendor_manage' };
  const org = await api('POST', '/api/oem-api/organization', { ...creds, data: { name: 'Crash MSP', email: 'owner@crash.example', vendorOrganizationId: 'crash-1' } }, {});
  const hook = await api('POST', `/admin/api/v1/organizations/${org.organizationId}/webhooks`, { webhook_url: receiver.url, eventTypes: ['session.created'] });
  await Promise.all(Array.from({ length: EVENTS }, () => api('POST', '/api/oem-api/organization/session', { ...creds, organizationOemToken: org.organizationOemToken }, {})));
  // Kill once a few have gone out: one is in flight, some are delivered, most still wait.
  await receiver.waitFor(4, 30_000);
  const killedAt = Date.now();
  server.kill('SIGKILL');
  await once(server, 'exit');
  const beforeRestart = receiver.received.length;
  assert.ok(beforeRestart < EVENTS, `the kill came in the middle of the backlog (${beforeRestart} of ${EVENTS} sent)`);
  const inFlight = String(receiver.received[0].headers['webhook-id']);
  release!();

  server = await startServer(env);
  const ids = () => new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
  await eventually(async () => ids().size === EVENTS, 120_000);
  // The delivery that was in flight is sent again, under its webhook-id, once its job expires.
  const resent = await eventually(async () => receiver.received.slice(beforeRestart).find((r) => r.headers['webhook-id'] === inFlight), 120_000);
  t.diagnostic(`in-flight delivery re-sent ${((resent.at - killedAt) / 1000).toFixed(1)} s after the kill (webhook timeout 2 s)`);

  // Ground truth: every event the database holds for this subscription was received, and only those.
  const deliveries = async () => (await api('GET', `/admin/api/v1/organizations/${org.organizationId}/webhooks/${hook.webhook_id}/deliveries?limit=500`)).deliveries as { event_id: string; delivery_status: string }[];
  await eventually(async () => new Set((await deliveries()).filter((a) => a.delivery_status === 'delivered').map((a) => a.event_id)).size === EVENTS, 60_000);
  const stored = new Set((await deliveries()).map((a) => a.event_id));
  assert.equal(stored.size, EVENTS, 'one event per session created');
  assert.deepEqual([...ids()].sort(), [...stored].sort(), 'every stored event reached the receiver');

  const bodies = new Map<string, string>();
  for (const r of receiver.received) {
    const id = String(r.headers['webhook-id']);
    if (bodies.has(id)) assert.equal(r.body, bodies.get(id), 'a duplicate is the same message under the same webhook-id');
    bodies.set(id, r.body);
    assert.equal(JSON.parse(r.body).type, 'session.created');
  }
  server.kill('SIGTERM');
  await once(server, 'exit');
});
