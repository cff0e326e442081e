// Test support for the example vendor app: a copy of it in a temporary directory with the packed
// SDK installed, as a vendor would have it, started as its own process.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { npmInstall, packClient, ROOT } from '../scripts/pack.ts';

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
