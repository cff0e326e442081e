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
  text: string; // the answer as sent (for an excerpt in an error)
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
  request: { method?: string; url: string; headers: Record<string, string>; body: string | undefined; timeoutMs: number },
): Promise<Exchanged> {
  const { method = 'POST', url, headers, body, timeoutMs } = request;
  const response = await send(agent, { method, url, headers, body, timeoutMs });
  const { bytes, cut } = await readLimited(response.body, BODY_LIMIT);
  if (cut) throw new ExchangeError(`the response is larger than ${BODY_LIMIT} bytes`);
  const type = response.headers['content-type'];
  const text = bytes.toString('utf8');
  return { status: response.status, body: parse(text, Array.isArray(type) ? type[0] : type), text };
}
