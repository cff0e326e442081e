// The OEM and Vendor API benchmarks on their own: `node bench/oem.ts [seconds]`.
// Set BENCH_POSTGRES_URL (e.g. a server's maintenance database) to add the PostgreSQL figures.
import * as organizations from './cases/oem-organizations.ts';
import * as vendorApi from './cases/vendor-api-organization.ts';

const durationSeconds = Number(process.argv[2] ?? 10);

const v = await vendorApi.run({ durationSeconds });
process.stdout.write(`${vendorApi.name}\n`);
process.stdout.write(`  bare:       ${v.bare.requestsPerSecond} req/s (p50 ${v.bare.latencyP50Ms} ms, p99 ${v.bare.latencyP99Ms} ms)\n`);
process.stdout.write(`  MSPC_TOKEN: ${v.mspc.requestsPerSecond} req/s (p50 ${v.mspc.latencyP50Ms} ms, p99 ${v.mspc.latencyP99Ms} ms), non-2xx ${v.mspc.non2xx}\n`);
process.stdout.write(`  ratio:      ${v.ratio} (target >= ${v.target}: ${v.pass ? 'met' : 'NOT met'})\n`);

process.stdout.write(`${organizations.name}\n`);
for (const o of await organizations.run({ durationSeconds })) {
  process.stdout.write(`  ${o.database.padEnd(9)} ${o.result.requestsPerSecond} organizations/s (p50 ${o.result.latencyP50Ms} ms, p99 ${o.result.latencyP99Ms} ms), non-2xx ${o.result.non2xx}, errors ${o.result.errors}\n`);
}
