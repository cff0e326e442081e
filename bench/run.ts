// npm run bench: every case side by side in one run; prints req/s, p50, p99, the ratios and
// targets, and writes everything to bench/results/latest.json.
// BENCH_DURATION (seconds per measurement, default 10), BENCH_CONNECTIONS (default 50),
// BENCH_ONLY (comma-separated case names or prefixes, e.g. "oauth"). The servers run with the Node
// flags npm gives every script here (.npmrc's node-options, through NODE_OPTIONS), as `npm start`
// runs Gatehouse; the run prints them.
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { BenchCase, CaseResult } from './lib/report.ts';
import * as oauth from './cases/oauth.ts';
import * as oauthInteractive from './cases/oauth-interactive.ts';
import * as vendorApi from './cases/vendor-api-organization.ts';
import * as organizations from './cases/oem-organizations.ts';
import * as webhooks from './cases/webhooks.ts';
import * as connectorsProxy from './cases/connectors-proxy.ts';
import * as memory from './cases/memory.ts';
import * as consolePages from './cases/console.ts';

const CASES: BenchCase[] = [oauth, oauthInteractive, vendorApi, organizations, webhooks, connectorsProxy, consolePages, memory];

const durationSeconds = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const only = process.env.BENCH_ONLY?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}

const nodeOptions = process.env.NODE_OPTIONS ?? '';
process.stdout.write(`node ${process.version}, ${availableParallelism()} cores, NODE_OPTIONS=${nodeOptions || '(none)'}\n`);

const results: Record<string, CaseResult> = {};
let failed = false;
for (const c of CASES) {
  if (only && !only.some((o) => c.name.startsWith(o))) continue;
  process.stdout.write(`\n== ${c.name}\n`);
  try {
    const result = await c.run({ durationSeconds, connections });
    results[c.name] = result;
    process.stdout.write(
      table([
        ['case', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx'],
        ...result.rows.map((r) => [r.name, String(r.requestsPerSecond), String(r.latencyP50Ms), String(r.latencyP99Ms), String(r.non2xx + r.errors)]),
      ]) + '\n\n',
    );
    process.stdout.write(
      table([['target', 'value', 'goal', ''], ...result.checks.map((k) => [k.name, String(k.value), k.goal, k.pass ? 'PASS' : 'FAIL'])]) + '\n',
    );
    if (result.rows.some((r) => r.non2xx + r.errors > 0)) {
      failed = true;
      process.stdout.write('some requests failed: the figures above are not valid\n');
    }
  } catch (error) {
    failed = true;
    process.stdout.write(`case failed to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
}

await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(
  new URL('./results/latest.json', import.meta.url),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      machine: { cores: availableParallelism(), node: process.version, nodeOptions },
      settings: { durationSeconds, connections },
      results,
    },
    null,
    2,
  ) + '\n',
);
process.stdout.write('\nwritten to bench/results/latest.json\n');
process.exitCode = failed ? 1 : 0;
