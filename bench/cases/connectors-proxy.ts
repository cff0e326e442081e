// Proxy overhead: GET through /api/connections/{id}/proxy/items (admin token, credential
// injected, answer sent back) against the same GET sent straight to the upstream with its token,
// at the harness's connection count (target: at most 2 ms added at p50; p99 reported) and at one
// connection, where no queueing hides the cost of a single call. Latencies come from autocannon in
// whole milliseconds, so the single-connection figure is derived from throughput instead.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { atMost, reported, type CaseOptions, type CaseResult } from '../lib/report.ts';

export const name = 'connectors: proxy vs the upstream called directly';

const round = (ms: number) => Math.round(ms * 100) / 100;
const script = (file: string) => fileURLToPath(new URL(`../connectors/${file}`, import.meta.url));

async function measure(durationSeconds: number, connections: number, url: string, headers: Record<string, string>): Promise<LoadResult> {
  const request = { url, headers, connections };
  await load({ ...request, durationSeconds: Math.min(3, durationSeconds) });
  return load({ ...request, durationSeconds });
}

export async function run(options: CaseOptions): Promise<CaseResult> {
  const upstream = await startChild<{ url: string; token: string }>(script('upstream.ts'));
  try {
    const gatehouse = await startChild<{ url: string; connectionId: string; adminToken: string }>(script('server.ts'), {
      BENCH_UPSTREAM_URL: upstream.info.url,
    });
    try {
      const directUrl = `${upstream.info.url}/api/items`;
      const directAuth = { authorization: `Bearer ${upstream.info.token}` };
      const proxyUrl = `${gatehouse.info.url}/api/connections/${gatehouse.info.connectionId}/proxy/items`;
      const proxyAuth = { authorization: `Bearer ${gatehouse.info.adminToken}` };
      const n = options.connections;
      const direct = await measure(options.durationSeconds, n, directUrl, directAuth);
      const proxied = await measure(options.durationSeconds, n, proxyUrl, proxyAuth);
      const single = Math.min(options.durationSeconds, 5);
      const direct1 = await measure(single, 1, directUrl, directAuth);
      const proxied1 = await measure(single, 1, proxyUrl, proxyAuth);
      const perCall = (r: LoadResult) => (r.requestsPerSecond > 0 ? 1000 / r.requestsPerSecond : 0);
      return {
        rows: [
          { name: `upstream called directly (${n} connections)`, ...direct },
          { name: `through the proxy (${n} connections)`, ...proxied },
          { name: 'upstream called directly (1 connection)', ...direct1 },
          { name: 'through the proxy (1 connection)', ...proxied1 },
        ],
        checks: [
          atMost(`added p50 ms at ${n} connections`, round(proxied.latencyP50Ms - direct.latencyP50Ms), 2),
          reported(`added p99 ms at ${n} connections`, proxied.latencyP99Ms - direct.latencyP99Ms),
          reported('added ms per call at 1 connection', perCall(proxied1) - perCall(direct1)),
        ],
      };
    } finally {
      await gatehouse.stop();
    }
  } finally {
    await upstream.stop();
  }
}
