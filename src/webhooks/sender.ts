// One delivery attempt: POST the signed body through the SSRF-guarded outbound client, within a
// total deadline, and keep what the delivery log shows: status, duration, the start of the body.
// Redirects are never followed (a 3xx is a failure): following one would send the signed payload
// and the auth header to a place the subscriber never registered.
import type { Dispatcher } from 'undici';
import { storableText } from '../db/storable.ts';
import { send } from '../net/outbound.ts';
import { readLimited } from '../net/read-limited.ts';
import { retryAfterMs } from '../net/retry-after.ts';
import { sign, type SigningSecret } from './signature.ts';

/** How much of a response body the delivery log keeps. */
export const RESPONSE_BODY_LIMIT = 1024;

export interface Message {
  url: string;
  webhookId: string;
  body: string;
  secrets: readonly SigningSecret[];
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

export function createSender(agent: Dispatcher, options: { timeoutMs: number; now: () => number }) {
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
    try {
      const response = await send(agent, { method: 'POST', url: message.url, headers, body: message.body, timeoutMs: options.timeoutMs });
      // The start of the receiver's answer as storable text: invalid UTF-8 (a sequence cut at
      // the limit included) decodes to U+FFFD, and a NUL, which PostgreSQL text cannot hold, becomes one.
      const responseBody = storableText((await readLimited(response.body, RESPONSE_BODY_LIMIT)).bytes.toString('utf8'));
      const ok = response.status >= 200 && response.status < 300;
      return {
        ok,
        statusCode: response.status,
        durationMs: elapsed(),
        responseBody,
        error: null,
        retryAfterMs: ok ? undefined : retryAfterMs(response.headers['retry-after'], options.now()),
      };
    } catch (error) {
      return { ok: false, statusCode: null, durationMs: elapsed(), responseBody: null, error: describe(error), retryAfterMs: undefined };
    }
  };
}

function describe(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown };
  const text = typeof e?.message === 'string' ? e.message : String(error);
  // A message may quote what the receiver sent (a malformed header, say).
  return storableText((typeof e?.code === 'string' && !text.includes(e.code) ? `${e.code}: ${text}` : text).slice(0, 500));
}
