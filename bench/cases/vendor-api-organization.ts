// Vendor API GET organization with an MSPC_TOKEN against its bare twin (same body and response
// schema, no token check, no rate limit). Target: the authenticated route at >= 50% of the bare
// one, which holds only if the token check does not touch the database in steady state.
import { load } from '../lib/load.ts';
import { atLeast, ratio, type CaseOptions, type CaseResult } from '../lib/report.ts';
import { startServer } from '../oem/spawn.ts';

export const name = 'vendor-api: GET organization with MSPC_TOKEN vs bare route';

export async function run(options: CaseOptions): Promise<CaseResult> {
  const server = await startServer();
  try {
    const common = { durationSeconds: options.durationSeconds, connections: options.connections };
    const bareUrl = `${server.url}/bench/bare/organization`;
    const apiUrl = `${server.url}/api/vendor-api/organization`;
    const headers = { authorization: `Bearer ${server.mspcToken}` };
    // Warm both routes (JIT, the key cache) before measuring.
    await load({ ...common, url: bareUrl, durationSeconds: 2 });
    await load({ ...common, url: apiUrl, headers, durationSeconds: 2 });
    const bare = await load({ ...common, url: bareUrl });
    const mspc = await load({ ...common, url: apiUrl, headers });
    return {
      rows: [
        { name: 'bare twin route (PGlite)', ...bare },
        { name: 'GET organization with MSPC_TOKEN (PGlite)', ...mspc },
      ],
      checks: [atLeast('vendor API / bare', ratio(mspc.requestsPerSecond, bare.requestsPerSecond), 0.5)],
    };
  } finally {
    await server.stop();
  }
}
