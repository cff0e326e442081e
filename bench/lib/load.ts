// autocannon, promisified, reduced to the figures the benchmarks report.
import { createRequire } from 'node:module';

// autocannon ships no type declarations: type the little used here.
interface Histogram { average: number; p50: number; p99: number }
type Autocannon = (options: Record<string, unknown>) => Promise<{ requests: Histogram; latency: Histogram; non2xx: number; errors: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called for every request: a fresh body (organizations must be unique). */
  body?: () => string;
  connections?: number;
  durationSeconds?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const makeBody = options.body;
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    connections: options.connections ?? 32,
    duration: options.durationSeconds ?? 10,
    ...(makeBody ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: makeBody() }) }] } : {}),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
