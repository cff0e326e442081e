// Vendor API GET organization with an MSPC_TOKEN against its bare twin (same body and response
// schema, no token check, no rate limit). Target: the authenticated route at >= 50% of the bare
// one, which holds only if the token check does not touch the database in steady state.
import { load, type LoadResult } from '../oem/load.ts';
import { startServer } from '../oem/spawn.ts';

export const name = 'vendor-api: GET organization with MSPC_TOKEN vs bare route';

export interface VendorApiResult {
  database: 'pglite';
  bare: LoadResult;
  mspc: LoadResult;
  ratio: number;
  target: number;
  pass: boolean;
}

export async function run(options: { durationSeconds?: number; connections?: number } = {}): Promise<VendorApiResult> {
  const server = await startServer();
  try {
    const common = { durationSeconds: options.durationSeconds, connections: options.connections };
    // Warm both routes (JIT, the key cache) before measuring.
    await load({ ...common, url: `${server.url}/bench/bare/organization`, durationSeconds: 2 });
    await load({ ...common, url: `${server.url}/api/vendor-api/organization`, headers: { authorization: `Bearer ${server.mspcToken}` }, durationSeconds: 2 });
    const bare = await load({ ...common, url: `${server.url}/bench/bare/organization` });
    const mspc = await load({ ...common, url: `${server.url}/api/vendor-api/organization`, headers: { authorization: `Bearer ${server.mspcToken}` } });
    const ratio = Math.round((mspc.requestsPerSecond / bare.requestsPerSecond) * 100) / 100;
    return { database: 'pglite', bare, mspc, ratio, target: 0.5, pass: ratio >= 0.5 && mspc.non2xx === 0 };
  } finally {
    await server.stop();
  }
}
