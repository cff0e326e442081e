// When to try again and how long to wait first.

export interface RetryOptions {
  /** Total requests, the first included. Default 4; 1 turns retrying off. */
  attempts?: number;
  /** The backoff ceiling for the first retry, doubled each time. Default 250 ms. */
  baseDelayMs?: number;
  /** The largest backoff ceiling. Default 10 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited out: the error is thrown instead. Default 60 s. */
  maxRetryAfterMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) throw new RangeError('retry.attempts must be a whole number of at least 1');
  return policy;
}

/**
 * Only these are transient. 429 and 503 say "not now" (RFC 6585 §4, RFC 9110 §15.6.4), and so
 * does a 409 IDEMPOTENCY_KEY_IN_USE: an earlier attempt of this very call is still running (one
 * that timed out on our side, say), and once it ends a retry gets its answer. Any other 4xx means
 * the request itself is wrong and would fail again.
 */
export function isRetryable(status: number, code: string): boolean {
  return status === 429 || status === 503 || (status === 409 && code === 'IDEMPOTENCY_KEY_IN_USE');
}

/** RFC 9110 §10.2.3: Retry-After is either delay-seconds or an HTTP-date. Milliseconds, or undefined. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Exponential backoff with full jitter: a uniform wait below a ceiling that doubles per retry,
 * so many clients failing together spread out instead of retrying in step. A Retry-After is a
 * floor: never call back sooner than the server asked.
 */
export function retryDelay(retry: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const backoff = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? backoff : Math.max(retryAfterMs, backoff);
}
