// One request to a vendor's token or revocation endpoint through the SSRF-guarded outbound
// client, within a total deadline, with the answer read whole (up to a limit) and parsed.
// Redirects are not followed: a token endpoint that redirects is misconfigured, and following
// it would send the client secret somewhere the operator never named.
import type { Dispatcher } from 'undici';
import { send } from '../net/outbound.ts';
import { readLimited } from '../net/read-limited.ts';

const BODY_LIMIT = 256 * 1024;

export interface Exchanged {
  status: number;
  body: unknown; // parsed JSON or form, else the text
}

export class ExchangeError extends Error {}

// RFC 6749 §5.1 says JSON; some vendors answer form-encoded (and say so, or not).
function parse(text: string, contentType: string | undefined): unknown {
  const type = (contentType ?? '').toLowerCase();
  if (!type.includes('x-www-form-urlencoded')) {
    try {
      return JSON.parse(text);
    } catch {
      if (type.includes('json')) return text;
    }
  }
  if (/^[^=&\s]+=[^&]*(&[^=&\s]+=[^&]*)*$/.test(text.trim())) return Object.fromEntries(new URLSearchParams(text.trim()));
  return text;
}

export async function exchange(
  agent: Dispatcher,
  request: { url: string; headers: Record<string, string>; body: string; timeoutMs: number },
): Promise<Exchanged> {
  const response = await send(agent, { method: 'POST', url: request.url, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs });
  const { bytes, cut } = await readLimited(response.body, BODY_LIMIT);
  if (cut) throw new ExchangeError(`the response is larger than ${BODY_LIMIT} bytes`);
  const type = response.headers['content-type'];
  return { status: response.status, body: parse(bytes.toString('utf8'), Array.isArray(type) ? type[0] : type) };
}
