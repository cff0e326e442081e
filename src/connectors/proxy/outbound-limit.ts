// The per-connection outbound limit a connector declares (`rateLimit: {requests, perSeconds}`),
// kept below the vendor's published limit so Gatehouse spreads a tenant's calls instead of
// tripping the vendor.
//
// Spreading: one window of perSeconds would let the whole allowance go in a burst at each window's
// end and again at the next one's start, twice the limit within a second, which is just what trips
// a vendor counting over a sliding window. So the period is cut into k slices (at most 10), each
// allowing floor(requests / (k + 1)) calls: any interval of perSeconds overlaps at most k + 1
// slices, so it never holds more than `requests` calls, and a busy connection's calls arrive
// evenly at about k / (k + 1) of the limit. (A limit of one call per period has no slices: two
// calls may then fall on either side of a window's edge.)
//
// A call over the limit waits for the next window when that is soon (at most
// MAX_QUEUE_MS, counted from when it arrived) and is answered 429 with Retry-After otherwise, so a
// caller is never held for long and never sent through to earn the vendor's own 429.
//
// Several instances: the counters are the shared rate-limit store's (ops/rate-limit.ts), so with
// Redis configured every instance counts a connection's calls in the same window and together they
// stay under the limit. Without Redis (or while it is down) each instance counts in its own memory:
// N instances may then send up to N times the limit, and the vendor's own 429 and Retry-After are
// passed on to callers (proxy/vendor-limits.ts). That is the project's rule for every limit: Redis
// is optional, a deployment of several instances that needs shared limits configures it.
import { errors } from '../../errors.ts';

export interface RateLimit {
  requests: number;
  perSeconds: number;
}

/** Fixed-window counters (ops/rate-limit.ts's LimitCounter: Redis when configured, memory otherwise). */
export interface WindowCounter {
  increment(key: string, windowMs: number): Promise<{ current: number; ttl: number }>;
}

/** The longest a call waits in the queue for a free slot. */
const MAX_QUEUE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MAX_SLICES = 10;

/** The fixed windows that keep every sliding interval of perSeconds within `requests`. */
export function slicesOf(limit: RateLimit): { windowMs: number; perWindow: number } {
  const k = Math.max(1, Math.min(MAX_SLICES, limit.requests - 1));
  return { windowMs: Math.ceil((limit.perSeconds * 1000) / k), perWindow: Math.max(1, Math.floor(limit.requests / (k + 1))) };
}

export class OutboundLimit {
  #counter: WindowCounter;
  #maxQueueMs: number;

  constructor(counter: WindowCounter, maxQueueMs = MAX_QUEUE_MS) {
    this.#counter = counter;
    this.#maxQueueMs = maxQueueMs;
  }

  /** Resolves when the connection may make one more call; throws a 429 when the wait would be too long. */
  async acquire(connectionId: string, limit: RateLimit | null | undefined): Promise<void> {
    if (!limit) return;
    const { windowMs, perWindow } = slicesOf(limit);
    const deadline = Date.now() + this.#maxQueueMs;
    for (;;) {
      // The window is named by its size too, so a changed limit starts counting afresh.
      const { current, ttl } = await this.#counter.increment(`${connectionId}:${perWindow}/${windowMs}`, windowMs);
      if (current <= perWindow) return;
      const wait = Math.max(1, ttl);
      if (Date.now() + wait > deadline) {
        // RFC 6585 §4 and RFC 9110 §10.2.3: the caller learns when the window frees up.
        throw errors.RateLimited(
          Math.max(1, Math.ceil(wait / 1000)),
          `this connection may call the vendor ${limit.requests} times per ${limit.perSeconds} s (its connector's rateLimit), retry in ${Math.max(1, Math.ceil(wait / 1000))} s`,
        );
      }
      // A little jitter, so the calls that queued for a window do not all ask for it at once.
      await sleep(wait + Math.floor(Math.random() * 20));
    }
  }
}
