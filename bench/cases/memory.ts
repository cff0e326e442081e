// Resident memory of the Gatehouse process (VmRSS of the server child), on the embedded database
// and on PostgreSQL: idle after the first start (the embedded database's initdb runs then, in a
// second PGlite instance whose memory the process keeps), idle after a restart on the same data
// directory (what a running installation holds), and after a client_credentials load.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.ts';
import { load } from '../lib/load.ts';
import { withPostgres } from '../lib/postgres.ts';
import { atMost, reported, type CaseOptions, type CaseResult } from '../lib/report.ts';

export const name = 'memory: resident memory idle and loaded';

const SERVER = fileURLToPath(new URL('../servers/gatehouse.ts', import.meta.url));
/** How long a server sits unused before its idle figure is read. */
const SETTLE_MS = 3000;

interface Server {
  url: string;
  clientId: string;
  clientSecret: string;
}

/** VmRSS of a process, in MB. */
function residentMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** Start a server, read its idle memory, optionally load it and read again. */
async function measure(env: Record<string, string>, options?: CaseOptions): Promise<{ idle: number; loaded?: number }> {
  const child = await startChild<Server>(SERVER, env);
  try {
    await sleep(SETTLE_MS);
    const idle = residentMb(child.pid);
    if (!options) return { idle };
    const { url, clientId, clientSecret } = child.info;
    await load({
      url: `${url}/oauth/token`,
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: () => 'grant_type=client_credentials&scope=read',
      connections: options.connections,
      durationSeconds: options.durationSeconds,
    });
    return { idle, loaded: residentMb(child.pid) };
  } finally {
    await child.stop();
  }
}

export async function run(options: CaseOptions): Promise<CaseResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-memory-'));
  let first: { idle: number };
  let restarted: { idle: number; loaded?: number };
  try {
    first = await measure({ BENCH_DATA_DIR: dataDir });
    restarted = await measure({ BENCH_DATA_DIR: dataDir }, options);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const postgres = await withPostgres((url) => measure({ BENCH_DATABASE_URL: url }, options));
  const checks = [
    atMost('PGlite idle MB (restart on its data directory)', restarted.idle, 250),
    reported('PGlite idle MB (first start, initdb included)', first.idle),
    reported('PGlite loaded MB (after the client_credentials load)', restarted.loaded!),
    ...(postgres ? [reported('PostgreSQL idle MB', postgres.idle), reported('PostgreSQL loaded MB', postgres.loaded!)] : []),
  ];
  return { rows: [], checks };
}
