// Gatehouse as the OAuth benchmark servers start it: built through the composition root on a
// fresh embedded database in a temporary directory (kept on disk, as `npm start` does; BENCH_DATA_DIR
// names one to reuse) or on BENCH_DATABASE_URL, listening on a loopback port. The token limiters stay in the path with a
// ceiling above what a run can reach.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp, type Gatehouse } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';

export async function bootGatehouse(): Promise<{ gatehouse: Gatehouse; url: string }> {
  const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
  // BENCH_DATA_DIR: a directory kept for the next start (a restart); otherwise a fresh one, removed on exit.
  const kept = process.env.BENCH_DATA_DIR || undefined;
  const dataDir = kept ?? mkdtempSync(path.join(tmpdir(), 'gatehouse-bench-'));
  if (!kept) process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const gatehouse = await buildApp(
    loadConfig({
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_ADMIN_TOKEN: ADMIN_TOKEN,
      // A kept directory keeps the key Gatehouse generates into it, as `npm start` does.
      ...(kept ? {} : { GATEHOUSE_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
      // The default level unless a case asks for another: that is what users run.
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL || 'info',
      GATEHOUSE_TOKEN_RATE_LIMIT_CLIENT: '10000000',
      GATEHOUSE_TOKEN_RATE_LIMIT_IP: '10000000',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    }),
  );
  await gatehouse.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = gatehouse.app.server.address() as { port: number };
  return { gatehouse, url: `http://127.0.0.1:${port}` };
}
