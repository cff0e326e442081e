// Pack the SDK the way it is published (npm pack in packages/client, which builds it first) and
// install the tarball into another project, so that project uses `@gatehouse/client` from
// node_modules like any vendor would. Shared by the demo and the packaging tests.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const CLIENT_PACKAGE = path.join(ROOT, 'packages', 'client');

const run = promisify(execFile);

function npm(args: string[], cwd: string) {
  // npm is a script on POSIX but a .cmd on Windows, which execFile only runs through a shell.
  return run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, shell: process.platform === 'win32', maxBuffer: 16 * 1024 * 1024 });
}

/** `npm pack` of @gatehouse/client into `destination`, saved as gatehouse-client.tgz. Returns its path. */
export async function packClient(destination: string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'gatehouse-pack-'));
  try {
    await npm(['pack', '--pack-destination', scratch], CLIENT_PACKAGE);
    const [name] = (await readdir(scratch)).filter((file) => file.endsWith('.tgz'));
    if (!name) throw new Error('npm pack produced no tarball');
    await mkdir(destination, { recursive: true });
    const tarball = path.join(destination, 'gatehouse-client.tgz');
    await copyFile(path.join(scratch, name), tarball);
    return tarball;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `npm install` in `project`. The SDK has no dependencies, so this needs nothing from the registry. */
export async function npmInstall(project: string, ...packages: string[]): Promise<void> {
  await npm(['install', '--prefer-offline', '--ignore-scripts', '--no-package-lock', ...packages], project);
}
