// One process per embedded data directory. PGlite takes no lock of its own, and two processes
// writing the same files corrupt them. A pid file says who holds the directory; one left by a
// process that no longer runs (a crash, SIGKILL) is taken over.
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config-error.ts';

function running(pid: number): boolean {
  // Our own pid in the file is a leftover too: after a container restart the new process often
  // gets the pid the old one had.
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, but another user's
  }
}

/** Take the data dir, or throw a ConfigError naming the process that has it. Resolves to the release. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const file = path.join(dataDir, 'gatehouse.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (running(holder)) {
      throw new ConfigError(
        'GATEHOUSE_DATA_DIR',
        `${dataDir} is in use by another Gatehouse process (pid ${holder}): stop it first (the client and keys commands talk to it over HTTP)`,
      );
    }
    await rm(file, { force: true });
  }
  throw new ConfigError('GATEHOUSE_DATA_DIR', `${dataDir}: another process is taking ${file} at the same moment`);
}
