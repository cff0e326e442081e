// One delivery attempt: POST the signed body through the SSRF-guarded outbound client, within a
// total deadline, and keep what the delivery log shows: status, duration, the start of the body.
// Redirects are never followed (a 3xx is a failure): following one would send the signed payload
// and the auth header to a place the subscriber never registered.
import { storableText } from '../db/storable.ts';
import type { Outbound } from '../net/outbound.ts';
import { parseRetryAfter } from './schedule.ts';
import { sign } from './signature.ts';

/** How much of a response body the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1024;

export interface Message {
  url: string;
  webhookId: string;
  body: string;
  secrets: readonly string[];
  authHeader?: { name: string; value: string };
}

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  responseBody: string | null;
  error: string | null;
  retryAfterMs: number | undefined;
}

/**
 * The start of the receiver's answer as storable text: invalid UTF-8 (a sequence cut at the
 * limit included) decodes to U+FFFD, and a NUL, which PostgreSQL text cannot hold, becomes one.
 */
async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= RESPONSE_BODY_LIMIT) break; // leaving the loop destroys the stream
  }
  return storableText(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'));
}

export function createSender(outbound: Outbound, options: { timeoutMs: number; now: () => number }) {
  return async function attempt(message: Message): Promise<AttemptResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const timestamp = Math.floor(options.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Gatehouse-Webhooks/1',
      'webhook-id': message.webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(message.webhookId, timestamp, message.body, message.secrets),
    };
    if (message.authHeader) headers[message.authHeader.name] = message.authHeader.value;
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    // The host lookup cannot be aborted, so the deadline also races it.
    const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    aborted.catch(() => {});
    try {
      const response = await Promise.race([
        outbound({ method: 'POST', url: message.url, headers, body: message.body, timeoutMs: options.timeoutMs, signal: controller.signal }),
        aborted,
      ]);
      const responseBody = await Promise.race([readLimited(response.body), aborted]);
      const ok = response.status >= 200 && response.status < 300;
      return {
        ok, statusCode: response.status, durationMs: elapsed(), responseBody, error: null,
        retryAfterMs: ok ? undefined : parseRetryAfter(response.headers['retry-after'], options.now()),
      };
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      return { ok: false, statusCode: null, durationMs: elapsed(), responseBody: null, error: describe(reason), retryAfterMs: undefined };
    } finally {
      clearTimeout(deadline);
      if (!controller.signal.aborted) controller.abort(new Error('done'));
    }
  };
}

function describe(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(error);
  // A message may quote what the receiver sent (a malformed header, say).
  return storableText((typeof e?.code === 'string' && !text.includes(e.code) ? `${e.code}: ${text}` : text).slice(0, 500));
}
