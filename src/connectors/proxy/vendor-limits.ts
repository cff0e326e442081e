// A proxied call within the vendor's limits: the connection's own outbound limit first
// (outbound-limit.ts), then the vendor's word. A vendor that answers 429 (RFC 6585 §4) or 503
// (RFC 9110 §15.6.4) with Retry-After has its status and Retry-After passed to the caller as
// they are; an idempotent call (RFC 9110 §9.2.2) is sent once more, after the wait, when the
// vendor asks for at most RETRY_WITHIN_MS. A POST or PATCH is never sent twice: the vendor may
// have acted on it before answering.
import type { Dispatcher } from 'undici';
import type { Credentials, Live } from '../credentials.ts';
import { forward, IDEMPOTENT, type ProxyAnswer, type ProxyRequest } from './forward.ts';
import type { OutboundLimit } from './outbound-limit.ts';
import { retryAfterMs } from '../../net/retry-after.ts';

/** The longest vendor-requested wait Gatehouse sits out for the caller. */
const RETRY_WITHIN_MS = 2_000;
const BUSY = new Set([429, 503]);
/** The shortest wait before the retry: a date already past (or "0") is not a reason to hammer a busy vendor. */
const MIN_WAIT_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const rateLimitOf = (live: Live) => live.connector.definition.rateLimit;

export async function forwardWithinLimits(
  agent: Dispatcher,
  credentials: Credentials,
  limit: OutboundLimit,
  live: Live,
  request: ProxyRequest,
): Promise<ProxyAnswer> {
  await limit.acquire(live.id, rateLimitOf(live));
  const answer = await forward(agent, credentials, live, request);
  if (!BUSY.has(answer.status) || !IDEMPOTENT.has(request.method)) return answer;
  const wait = retryAfterMs(answer.headers['retry-after'] as string | string[] | undefined);
  if (wait === undefined || wait > RETRY_WITHIN_MS) return answer;
  await answer.body.dump();
  await sleep(Math.max(wait, MIN_WAIT_MS));
  // The first call may have refreshed the token: the retry starts from what is stored now.
  const current = (await credentials.live(live.id)) ?? live;
  await limit.acquire(current.id, rateLimitOf(current));
  const again = await forward(agent, credentials, current, request);
  return { ...again, refreshed: answer.refreshed || again.refreshed };
}
