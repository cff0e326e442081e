// One HTTP exchange with retries. Everything the SDK sends goes through `Transport.request`, so
// the retry rules live in one place.
import { errorFromResponse, GatehouseNetworkError, GatehouseTimeoutError } from './errors.ts';
import { VERSION } from './version.ts';
import { isRetryable, parseRetryAfter, retryDelay, retryPolicy, type RetryOptions, type RetryPolicy } from './retry.ts';

export type Fetch = typeof globalThis.fetch;

export interface TransportOptions {
  /** Where Gatehouse is served, e.g. https://gatehouse.example.com */
  baseUrl: string;
  retry?: RetryOptions;
  /** Per attempt. Default 30 s. A timed-out attempt is retried like a network error. */
  timeoutMs?: number;
  /** Replaceable for tests and for runtimes with their own fetch. */
  fetch?: Fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Sent with every request, so that operators can tell SDK traffic and its versions apart. */
export const USER_AGENT = `gatehouse-client/${VERSION}`;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Transport {
  readonly now: () => number;
  readonly #baseUrl: string;
  readonly #policy: RetryPolicy;
  readonly #timeoutMs: number;
  readonly #fetch: Fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: TransportOptions) {
    if (!/^https?:\/\//.test(options.baseUrl)) throw new TypeError('baseUrl must be an http(s) URL');
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#policy = retryPolicy(options.retry);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    // Looked up per call rather than captured at import, so a fetch installed later is used.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const url = this.#url(spec);
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let body: unknown;
      try {
        response = await this.#fetch(url, this.#init(spec));
        body = parseBody(await response.text());
      } catch (error) {
        // The caller cancelled: that is a decision, not a transient failure.
        if (spec.signal?.aborted) throw error;
        // A POST that failed in flight may have landed. The creating OEM calls carry an
        // Idempotency-Key, the same on every attempt, so the server answers their retry with the
        // first attempt's stored response (one-time secrets included) instead of a 409.
        if (attempt >= this.#policy.attempts) {
          const message = `${spec.method} ${spec.path} failed: ${describe(error)}`;
          if (isTimeout(error)) throw new GatehouseTimeoutError(message, error, attempt);
          throw new GatehouseNetworkError(message, error, attempt);
        }
        await this.#sleep(retryDelay(attempt, this.#policy, this.#random));
        continue;
      }
      if (response.ok) return body as T;
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
      const error = errorFromResponse(response.status, response.statusText, body, retryAfterMs, attempt);
      const waitTooLong = retryAfterMs !== undefined && retryAfterMs > this.#policy.maxRetryAfterMs;
      if (!isRetryable(response.status, error.code) || attempt >= this.#policy.attempts || waitTooLong) throw error;
      await this.#sleep(retryDelay(attempt, this.#policy, this.#random, retryAfterMs));
    }
  }

  #url(spec: RequestSpec): string {
    const url = new URL(this.#baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    return url.toString();
  }

  #init(spec: RequestSpec): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT, ...spec.headers };
    let body: string | undefined;
    if (spec.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(spec.form).toString();
    } else if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
    // The APIs never redirect; following one would carry the credentials to another URL.
    return { method: spec.method, headers, body, signal, redirect: 'manual' };
  }
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** AbortSignal.timeout() aborts with a DOMException named TimeoutError; fetch rejects with it. */
function isTimeout(error: unknown): boolean {
  return (error as { name?: unknown })?.name === 'TimeoutError';
}

function describe(error: unknown): string {
  if (isTimeout(error)) return 'timed out';
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
