// Proxy overhead: GET through /api/connections/{id}/proxy/items (admin token, credential
// injected, answer sent back) against two peers in the same run: the same GET sent straight to the
// upstream with its token, and a bare undici proxy (bench/connectors/bare-proxy.ts: a Fastify route,
// a Pool and a stream, no authentication) in front of the same upstream. Measured at the harness's
// connection count (throughput against the bare proxy, p50 added against the upstream) and at one
// connection, where no queueing hides the cost of a single call. Latencies come from autocannon in
// whole milliseconds, so the single-connection figures are derived from throughput instead.
import { fileURLToPath } from 'node:url';
import { startChild } from '../lib/child.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { atLeast, atMost, ratio, reported, type CaseOptions, type CaseResult } from '../lib/report.ts';

export const name = 'connectors: proxy vs a bare undici proxy and the upstream called directly';

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
    const env = { BENCH_UPSTREAM_URL: upstream.info.url, BENCH_UPSTREAM_TOKEN: upstream.info.token };
    const bare = await startChild<{ url: string }>(script('bare-proxy.ts'), env);
    const gatehouse = await startChild<{ url: string; connectionId: string; adminToken: string }>(script('server.ts'), env);
    try {
      const targets: Array<[string, string, Record<string, string>]> = [
        ['upstream called directly', `${upstream.info.url}/api/items`, { authorization: `Bearer ${upstream.info.token}` }],
        ['a bare undici proxy', `${bare.info.url}/proxy/items`, {}],
        [
          'through the proxy',
          `${gatehouse.info.url}/api/connections/${gatehouse.info.connectionId}/proxy/items`,
          { authorization: `Bearer ${gatehouse.info.adminToken}` },
        ],
      ];
      const n = options.connections;
      const many: LoadResult[] = [];
      for (const [, url, headers] of targets) many.push(await measure(options.durationSeconds, n, url, headers));
      const single = Math.min(options.durationSeconds, 5);
      const one: LoadResult[] = [];
      for (const [, url, headers] of targets) one.push(await measure(single, 1, url, headers));
      const perCall = (r: LoadResult) => (r.requestsPerSecond > 0 ? 1000 / r.requestsPerSecond : 0);
      return {
        rows: [
          ...targets.map(([what], i) => ({ name: `${what} (${n} connections)`, ...many[i] })),
          ...targets.map(([what], i) => ({ name: `${what} (1 connection)`, ...one[i] })),
        ],
        checks: [
          atLeast(`proxy / bare proxy req/s at ${n} connections`, ratio(many[2].requestsPerSecond, many[1].requestsPerSecond), 0.8),
          atMost(`added p50 ms at ${n} connections (vs direct)`, round(many[2].latencyP50Ms - many[0].latencyP50Ms), 2),
          reported(`added p99 ms at ${n} connections (vs direct)`, many[2].latencyP99Ms - many[0].latencyP99Ms),
          atMost('added ms per call at 1 connection (vs the bare proxy)', round(perCall(one[2]) - perCall(one[1])), 0.3),
          atMost('added ms per call at 1 connection (vs direct)', round(perCall(one[2]) - perCall(one[0])), 0.3),
        ],
      };
    } finally {
      await Promise.all([gatehouse.stop(), bare.stop()]);
    }
  } finally {
    await upstream.stop();
  }
}
