// One request to a vendor's token or revocation endpoint through the SSRF-guarded outbound
// client, within a total deadline, with the answer read whole (up to a limit) and parsed.
// Redirects are not followed: a token endpoint that redirects is misconfigured, and following
// it would send the client secret somewhere the operator never named.
import type { Outbound } from '../net/outbound.ts';

const BODY_LIMIT = 256 * 1024;

export interface Exchanged {
  status: number;
  body: unknown; // parsed JSON or form, else the text
}

export class ExchangeError extends Error {}

async function readAll(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > BODY_LIMIT) {
      body.destroy();
      throw new ExchangeError(`the response is larger than ${BODY_LIMIT} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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

export async function exchange(outbound: Outbound, request: { url: string; headers: Record<string, string>; body: string; timeoutMs: number }): Promise<Exchanged> {
  const controller = new AbortController();
  const timeout = new Error(`timed out after ${request.timeoutMs} ms`);
  const deadline = setTimeout(() => controller.abort(timeout), request.timeoutMs);
  // The host lookup cannot be aborted, so the deadline races it too.
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
  aborted.catch(() => {});
  try {
    const response = await Promise.race([
      outbound({ method: 'POST', url: request.url, headers: request.headers, body: request.body, timeoutMs: request.timeoutMs, signal: controller.signal }),
      aborted,
    ]);
    const text = await Promise.race([readAll(response.body), aborted]);
    return { status: response.status, body: parse(text, response.headers['content-type']) };
  } catch (error) {
    if (controller.signal.aborted && controller.signal.reason === timeout) throw new ExchangeError(timeout.message);
    throw error;
  } finally {
    clearTimeout(deadline);
  }
}
