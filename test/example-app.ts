// Test support for the example vendor app: a copy of it in a temporary directory with the packed
// SDK installed, as a vendor would have it, started as its own process.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { npmInstall, packClient, ROOT } from '../scripts/pack.ts';
import { admin, freePort, startGatehouse, type TestGatehouse } from './helpers.ts';

export const EXAMPLE_SOURCE = path.join(ROOT, 'examples', 'vendor-app');

/** Copy the example's own files (not its installs or state) and install the packed SDK. */
export async function installExample(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const base = await mkdtemp(path.join(tmpdir(), 'gatehouse-example-'));
  const dir = path.join(base, 'vendor-app');
  const skip = new Set(['node_modules', '.packed', 'data']);
  await cp(EXAMPLE_SOURCE, dir, { recursive: true, filter: (source) => !skip.has(path.basename(source)) });
  await packClient(path.join(dir, '.packed'));
  await npmInstall(dir);
  return { dir, remove: () => rm(base, { recursive: true, force: true }) };
}

export interface RunningExample {
  url: string;
  output: () => string;
  stop: () => Promise<void>;
}

/** Start the example's server on a free port; resolves once it says where it listens. */
export function startExample(dir: string, env: Record<string, string>): Promise<RunningExample> {
  const child = spawn(process.execPath, ['server.ts'], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`the example did not start:\n${output}`))), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1], output: () => output, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the example exited (${code}):\n${output}`));
    });
  });
}

export interface ExampleBesideGatehouse {
  /** The example's own directory, with the packed SDK installed. */
  dir: string;
  gatehouse: TestGatehouse;
  gatehouseUrl: string;
  /** The vendor the admin API created, with its one-time secrets. */
  vendor: { vendor_id: string; client_id: string; client_secret: string; vendor_api_key: string };
  app: RunningExample;
}

/**
 * The example installed as a vendor would have it and type-checked against the declarations the
 * package ships, then started against a Gatehouse listening on a real port with a new vendor.
 * Everything is stopped and removed when the test ends.
 */
export async function exampleBesideGatehouse(t: TestContext, env: Record<string, string> = {}): Promise<ExampleBesideGatehouse> {
  const example = await installExample();
  t.after(() => example.remove());

  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const check = await promisify(execFile)(process.execPath, [tsc, '-p', example.dir, '--typeRoots', path.join(ROOT, 'node_modules', '@types')]).catch(
    (error: { stdout: string }) => error,
  );
  assert.equal(check.stdout, '', 'the example type-checks');

  const port = await freePort();
  const gatehouseUrl = `http://127.0.0.1:${port}`;
  const gatehouse = await startGatehouse({ GATEHOUSE_PUBLIC_URL: gatehouseUrl });
  t.after(() => gatehouse.stop());
  await gatehouse.app.listen({ port, host: '127.0.0.1' });
  const created = await gatehouse.app.inject({ method: 'POST', url: '/admin/api/v1/vendors', headers: admin, payload: { name: 'Example Vendor' } });
  assert.equal(created.statusCode, 201, created.body);
  const vendor = created.json() as ExampleBesideGatehouse['vendor'];

  const state = await mkdtemp(path.join(tmpdir(), 'gatehouse-example-state-'));
  t.after(() => rm(state, { recursive: true, force: true }));
  const app = await startExample(example.dir, {
    GATEHOUSE_URL: gatehouseUrl,
    GATEHOUSE_CLIENT_ID: vendor.client_id,
    GATEHOUSE_CLIENT_SECRET: vendor.client_secret,
    GATEHOUSE_VENDOR_ID: vendor.vendor_id,
    GATEHOUSE_VENDOR_API_KEY: vendor.vendor_api_key,
    STATE_FILE: path.join(state, 'enrolments.json'),
    ...env,
  });
  t.after(() => app.stop());
  return { dir: example.dir, gatehouse, gatehouseUrl, vendor, app };
}
