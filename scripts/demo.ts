// npm run demo: Gatehouse on a throwaway embedded database, a vendor created through the admin
// API, and the example vendor app using that vendor's credentials through the packed SDK.
// Ctrl-C stops both and removes the data.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { npmInstall, packClient, ROOT } from './pack.ts';

const HOST = '127.0.0.1';
const gatehousePort = Number(process.env.GATEHOUSE_PORT ?? 3000);
const examplePort = Number(process.env.EXAMPLE_PORT ?? 4000);
const gatehouseUrl = `http://${HOST}:${gatehousePort}`;
const exampleDir = path.join(ROOT, 'examples', 'vendor-app');
const adminToken = `demo-${randomBytes(16).toString('hex')}`;

const children: ChildProcess[] = [];
let stopping = false;

function start(name: string, args: string[], cwd: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    // Ctrl-C reaches the children too and they may exit before this process hears of it.
    const clean = code === 0 || signal === 'SIGINT' || signal === 'SIGTERM';
    if (!clean) console.error(`${name} exited (${code ?? signal}); stopping the demo`);
    void stop(clean ? 0 : 1);
  });
  children.push(child);
  return child;
}

async function waitUntilReady(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  throw new Error(`${url} did not become ready`);
}

async function createVendor(): Promise<Record<string, string>> {
  const response = await fetch(`${gatehouseUrl}/admin/api/v1/vendors`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Example Vendor' }),
  });
  if (!response.ok) throw new Error(`creating the vendor failed: ${response.status} ${await response.text()}`);
  return response.json() as Promise<Record<string, string>>;
}

/** Refuse a taken port before starting anything: a server already there would answer for ours. */
async function ensureFree(port: number, variable: string): Promise<void> {
  const server = createServer();
  const taken = await new Promise<string | undefined>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen(port, HOST, () => resolve(undefined));
  });
  if (!taken) return new Promise((resolve) => server.close(() => resolve()));
  console.error(`demo: cannot listen on ${HOST}:${port} (${taken}): set ${variable} to a free port`);
  process.exit(1);
}

await ensureFree(gatehousePort, 'GATEHOUSE_PORT');
await ensureFree(examplePort, 'EXAMPLE_PORT');

const dataDir = await mkdtemp(path.join(tmpdir(), 'gatehouse-demo-'));

async function stop(code: number): Promise<never> {
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await rm(dataDir, { recursive: true, force: true });
  process.exit(code);
}

process.once('SIGINT', () => void stop(0));
process.once('SIGTERM', () => void stop(0));

try {
  console.log('Packing the SDK and installing it into the example app...');
  await packClient(path.join(exampleDir, '.packed'));
  await npmInstall(exampleDir);

  start('Gatehouse', [path.join(ROOT, 'src', 'main.ts'), 'start'], ROOT, {
    PORT: String(gatehousePort),
    HOST,
    GATEHOUSE_PUBLIC_URL: gatehouseUrl,
    GATEHOUSE_DATA_DIR: path.join(dataDir, 'gatehouse'),
    GATEHOUSE_ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    // A fresh key per demo, like the data it protects.
    GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  await waitUntilReady(`${gatehouseUrl}/readyz`);
  const vendor = await createVendor();

  start('The example app', ['server.ts'], exampleDir, {
    PORT: String(examplePort),
    HOST,
    GATEHOUSE_URL: gatehouseUrl,
    GATEHOUSE_CLIENT_ID: vendor.client_id,
    GATEHOUSE_CLIENT_SECRET: vendor.client_secret,
    GATEHOUSE_VENDOR_ID: vendor.vendor_id,
    GATEHOUSE_VENDOR_API_KEY: vendor.vendor_api_key,
    STATE_FILE: path.join(dataDir, 'vendor-app', 'enrolments.json'),
  });
  await waitUntilReady(`http://${HOST}:${examplePort}/`);

  console.log(
    [
      '',
      `  Open http://${HOST}:${examplePort}/ and press Enrol.`,
      '',
      `  Gatehouse:    ${gatehouseUrl}  (admin token: ${adminToken})`,
      `  Vendor:       ${vendor.vendor_id}  (client ${vendor.client_id})`,
      '',
      '  Ctrl-C stops both and deletes the demo data.',
      '',
    ].join('\n'),
  );
} catch (error) {
  console.error((error as Error).message);
  await stop(1);
}
