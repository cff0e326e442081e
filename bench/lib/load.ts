// autocannon, promisified, reduced to the figures the benchmarks report.
import { createRequire } from 'node:module';

// autocannon ships no type declarations: type the little used here.
interface Histogram {
  average: number;
  p50: number;
  p99: number;
  total: number;
}
interface Result {
  requests: Histogram;
  latency: Histogram;
  non2xx: number;
  errors: number;
  mismatches: number;
}
interface Instance extends PromiseLike<Result> {
  on(event: 'response', listener: () => void): void;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: Record<string, unknown>) => Instance;

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called for every request: a fresh body (organizations must be unique). */
  body?: () => string;
  connections?: number;
  durationSeconds?: number;
  /** Further autocannon options, for cases that script their requests (requests, setupClient, maxOverallRequests). */
  scripted?: Record<string, unknown>;
}

export interface LoadResult {
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
}

/** A run's figures, plus how many requests completed and the seconds until the last answer. */
export interface LoadRun extends LoadResult {
  completed: number;
  seconds: number;
}

export async function loadRun(options: LoadOptions): Promise<LoadRun> {
  const makeBody = options.body;
  const started = Date.now();
  let last = started;
  const instance = autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    connections: options.connections ?? 32,
    duration: options.durationSeconds ?? 10,
    ...(makeBody ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, body: makeBody() }) }] } : {}),
    ...options.scripted,
  });
  instance.on('response', () => {
    last = Date.now();
  });
  const result = await instance;
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.mismatches,
    completed: result.requests.total,
    seconds: Math.max(0.001, (last - started) / 1000),
  };
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const { completed: _completed, seconds: _seconds, ...result } = await loadRun(options);
  return result;
}
