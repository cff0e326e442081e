// Organizations created per second through POST /api/oem-api/organization (seed 000's body with
// client credentials), on embedded PGlite and, when BENCH_POSTGRES_URL is set, on PostgreSQL.
// Every request carries a unique vendorOrganizationId and owner email.
import { withPostgres } from '../lib/postgres.ts';
import { load, type LoadResult } from '../lib/load.ts';
import type { CaseOptions, CaseResult } from '../lib/report.ts';
import { startServer } from '../oem/spawn.ts';

export const name = 'oem: organizations created per second';

export interface OrganizationsResult {
  database: 'pglite' | 'postgres';
  result: LoadResult;
}

async function measure(
  database: OrganizationsResult['database'],
  databaseUrl: string | undefined,
  options: { durationSeconds?: number; connections?: number },
) {
  const server = await startServer(databaseUrl);
  try {
    let n = 0;
    const body = () => {
      n++;
      return JSON.stringify({
        clientId: server.clientId,
        clientSecret: server.clientSecret,
        grantType: 'client_credentials',
        scope: 'vendor_manage',
        data: {
          name: `MSP ${n}`,
          email: `owner-${n}@bench.example`,
          firstName: 'Bench',
          lastName: 'Owner',
          vendorUserId: `u-${n}`,
          vendorOrganizationId: `o-${n}`,
        },
      });
    };
    const result = await load({
      url: `${server.url}/api/oem-api/organization`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      durationSeconds: options.durationSeconds,
      connections: options.connections ?? 16,
    });
    return { database, result };
  } finally {
    await server.stop();
  }
}

export async function run(options: CaseOptions): Promise<CaseResult> {
  // 16 connections: creation is write-bound, more only queue on the database.
  const opts = { durationSeconds: options.durationSeconds, connections: 16 };
  const results = [await measure('pglite', undefined, opts)];
  const onPostgres = await withPostgres((url) => measure('postgres', url, opts));
  if (onPostgres) results.push(onPostgres);
  return { rows: results.map((r) => ({ name: `organizations created (${r.database})`, ...r.result })), checks: [] };
}
