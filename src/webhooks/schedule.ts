// When to try again. The schedule Svix publishes: immediately, then 5 s, 5 min, 30 min, 2 h,
// 5 h, 10 h and 10 h, each retry with +/-20% jitter so a receiver that comes back up is not hit
// by every queued message in the same second.
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Delay before attempt n (0-based) after attempt n-1 failed; attempt 0 goes out at once. */
export const SCHEDULE_MS = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;

const JITTER = 0.2;

/** A Retry-After longer than this is cut down to it: the schedule's own longest wait. */
const RETRY_AFTER_MAX_MS = 10 * HOUR;

/** After this long failing without a single success, a subscription is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * HOUR;

/**
 * The delay before attempt `step` (>= 1), or undefined when the schedule is used up. A
 * Retry-After is honoured as the least wait (the receiver asked not to be called sooner), within
 * the schedule's longest step: a receiver cannot park a message for days.
 */
export function nextDelay(step: number, random: number, retryAfterMs?: number): number | undefined {
  if (step >= SCHEDULE_MS.length) return undefined;
  const base = SCHEDULE_MS[step];
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random));
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, RETRY_AFTER_MAX_MS));
}
