// Webhook delivery: deliveries per second from commit to a local receiver (a backlog of events
// committed at once, then dispatched, queued, signed, sent and recorded), then the p50/p99 from commit to the first
// attempt's arrival at half that rate (paced: every 10 ms the events due are committed). On PGlite
// it also times a database-backed admin request with the queue idle and during the paced run, to
// show that the queue sharing the one embedded connection does not starve the app. The backlog's
// CPU time a delivery, in Gatehouse, in PostgreSQL and in this process (emitter and receiver),
// gives the rate the machine's cores allow at that cost (lib/cpu.ts).
// Targets (the performance issue): >= 5,000 deliveries/s on PostgreSQL, >= 2,500/s on PGlite.
import http from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { startChild } from '../lib/child.ts';
import { ownCpuMs, postgresCpuMs, processCpuMs } from '../lib/cpu.ts';
import { withPostgres } from '../lib/postgres.ts';
import { atLeast, reported, type CaseOptions, type CaseResult, type Check, type Row } from '../lib/report.ts';

export const name = 'webhooks: deliveries per second and commit-to-first-attempt';

const SERVER = fileURLToPath(new URL('../webhooks/server.ts', import.meta.url));

interface Info {
  url: string;
  adminToken: string;
  organizationId: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10;
}

async function startReceiver() {
  const firstSeen = new Map<string, number>();
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    const id = String(req.headers['webhook-id']);
    if (!firstSeen.has(id)) firstSeen.set(id, Date.now());
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    firstSeen,
    requests: () => requests,
    reset() {
      firstSeen.clear();
      requests = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function emit(info: Info, body: { count: number; perSecond?: number }) {
  const res = await fetch(`${info.url}/bench/webhooks/emit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`emit: ${res.status}`);
}

async function waitFor(check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the receiver did not get every event in time');
    await sleep(5);
  }
}

/** Latencies of a database-backed admin request, one at a time, until `stop` resolves. */
async function probe(info: Info, stop: Promise<unknown>) {
  const latencies: number[] = [];
  let done = false;
  void stop.then(() => (done = true));
  while (!done) {
    const t = performance.now();
    const res = await fetch(`${info.url}/admin/api/v1/organizations/${info.organizationId}`, { headers: { authorization: `Bearer ${info.adminToken}` } });
    await res.arrayBuffer();
    latencies.push(performance.now() - t);
    await sleep(20);
  }
  return latencies.sort((a, b) => a - b);
}

async function measure(database: 'pglite' | 'postgres', databaseUrl: string | undefined, options: CaseOptions) {
  const receiver = await startReceiver();
  const child = await startChild<Info>(SERVER, { BENCH_DATABASE_URL: databaseUrl ?? '', BENCH_RECEIVER_URL: receiver.url });
  const info = child.info;
  const rows: Row[] = [];
  try {
    // Warm up (JIT, pg-boss's queue cache, connections).
    await emit(info, { count: 300 });
    await waitFor(() => receiver.firstSeen.size >= 300, 60_000);
    receiver.reset();

    // Throughput: enough events to keep the pipeline full for about the configured duration.
    const count = Math.max(500, options.durationSeconds * (database === 'postgres' ? 2000 : 250));
    const cpuBefore = { server: processCpuMs(child.pid), postgres: postgresCpuMs(), own: ownCpuMs() };
    const started = Date.now();
    await emit(info, { count });
    await waitFor(() => receiver.firstSeen.size >= count, 600_000);
    const each = (ms: number) => Math.round((ms / count) * 1000) / 1000;
    const pgAfter = postgresCpuMs();
    const cpu = {
      server: each(processCpuMs(child.pid) - cpuBefore.server),
      postgres: database === 'postgres' && pgAfter !== undefined && cpuBefore.postgres !== undefined ? each(pgAfter - cpuBefore.postgres) : 0,
      bench: each(ownCpuMs() - cpuBefore.own),
    };
    const elapsed = (Math.max(...receiver.firstSeen.values()) - started) / 1000;
    const perSecond = Math.round(count / elapsed);
    const extra = receiver.requests() - count;
    rows.push({
      name: `deliveries/s, ${count} events (${database})`,
      requestsPerSecond: perSecond,
      latencyP50Ms: 0,
      latencyP99Ms: 0,
      non2xx: 0,
      errors: Math.max(0, extra),
    });

    // Latency at half that rate, paced.
    await sleep(1000);
    const idle = database === 'pglite' ? await probe(info, sleep(3000)) : [];
    receiver.reset();
    const rate = Math.max(1, Math.floor(perSecond / 2));
    const paced = Math.max(200, rate * Math.min(options.durationSeconds, 10));
    const delivered = (async () => {
      await emit(info, { count: paced, perSecond: rate });
      await waitFor(() => receiver.firstSeen.size >= paced, 600_000);
    })();
    const busy = database === 'pglite' ? await probe(info, delivered) : [];
    await delivered;
    if (database === 'pglite') {
      rows.push({
        name: 'admin GET organization, queue idle (pglite)',
        requestsPerSecond: 0,
        latencyP50Ms: percentile(idle, 50),
        latencyP99Ms: percentile(idle, 99),
        non2xx: 0,
        errors: 0,
      });
      rows.push({
        name: `admin GET organization, ${rate} deliveries/s (pglite)`,
        requestsPerSecond: 0,
        latencyP50Ms: percentile(busy, 50),
        latencyP99Ms: percentile(busy, 99),
        non2xx: 0,
        errors: 0,
      });
    }
    const commits = (await (await fetch(`${info.url}/bench/webhooks/commits`)).json()) as Record<string, number>;
    const latencies = Object.entries(commits)
      .map(([id, at]) => receiver.firstSeen.get(id)! - at)
      .sort((a, b) => a - b);
    rows.push({
      name: `commit to first attempt at ${rate}/s (${database})`,
      requestsPerSecond: rate,
      latencyP50Ms: percentile(latencies, 50),
      latencyP99Ms: percentile(latencies, 99),
      non2xx: 0,
      errors: 0,
    });
    return { perSecond, rows, cpu };
  } finally {
    await child.stop();
    await receiver.close();
  }
}

type Cpu = Awaited<ReturnType<typeof measure>>['cpu'];

/** The CPU a delivery cost, and the rate the machine's cores allow at that cost. */
function cpuChecks(label: string, cpu: Cpu): Check[] {
  const total = cpu.server + cpu.postgres + cpu.bench;
  return [
    reported(`CPU ms a delivery on ${label} (Gatehouse + PostgreSQL + emitter and receiver)`, total),
    reported(`CPU ms a delivery on ${label}: in Gatehouse`, cpu.server),
    ...(cpu.postgres > 0 ? [reported(`CPU ms a delivery on ${label}: in PostgreSQL`, cpu.postgres)] : []),
    reported(`deliveries/s ${availableParallelism()} cores allow at ${label}'s CPU cost`, total > 0 ? Math.round((availableParallelism() * 1000) / total) : 0),
  ];
}

export async function run(options: CaseOptions): Promise<CaseResult> {
  const checks: Check[] = [];
  const pglite = await measure('pglite', undefined, options);
  checks.push(atLeast('deliveries/s on PGlite', pglite.perSecond, 2500), ...cpuChecks('PGlite', pglite.cpu));
  const rows = [...pglite.rows];
  const postgres = await withPostgres((url) => measure('postgres', url, options));
  if (postgres) {
    rows.push(...postgres.rows);
    checks.push(atLeast('deliveries/s on PostgreSQL', postgres.perSecond, 5000), ...cpuChecks('PostgreSQL', postgres.cpu));
  }
  return { rows, checks };
}
