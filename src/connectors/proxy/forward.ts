// One proxied call: the caller's request sent to the vendor with the connection's credential
// injected as the connector declares (credential.ts). A 401 from the vendor gets one refresh
// (or token exchange) and one retry (RFC 6750 §3.1: invalid_token means a new token may
// succeed). Time to the response head is bounded by the connector's timeout; the body then
// streams, bounded by the same idle timeout.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { AppError, errors } from '../../errors.ts';
import { OutboundTimeout, send, type OutboundResponse } from '../../net/outbound.ts';
import { hasToken, type Credentials, type Live } from '../credentials.ts';
import { forwardRequestHeaders, forwardResponseHeaders } from './headers.ts';
import { targetOf } from './target.ts';

export interface ProxyRequest {
  method: string;
  /** Raw path and query after /proxy. */
  rest: string;
  headers: IncomingHttpHeaders;
  body: Buffer | undefined;
}

export interface ProxyAnswer {
  status: number;
  headers: OutgoingHttpHeaders;
  body: OutboundResponse['body'];
  refreshed: boolean;
}

// RFC 9110 §9.2.2: these may be sent again. A kept-alive connection the vendor closed just as it
// was reused fails before any answer (undici's UND_ERR_SOCKET is "the other side closed"); such
// a request is retried once on a new connection.
export const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export async function callVendor(
  agent: Dispatcher,
  live: Live,
  request: ProxyRequest,
  retried = false,
): Promise<{ response: OutboundResponse; secrets: readonly string[] }> {
  const d = live.connector.definition;
  const { headers: injected, query, secrets } = live.placement;
  const target = targetOf(d, request.rest, live.accessToken, query);
  const headers = Object.assign(forwardRequestHeaders(request.headers, injected), injected);
  if (request.body !== undefined) headers['content-length'] = String(request.body.length);
  try {
    const response = await send(agent, { method: request.method, url: target.url, headers, body: request.body, timeoutMs: d.timeoutMs, until: 'head' });
    return { response, secrets };
  } catch (error) {
    if (error instanceof AppError) throw error;
    if (error instanceof OutboundTimeout) throw errors.UpstreamTimeout(d.timeoutMs);
    const code = (error as { code?: unknown }).code;
    if (!retried && typeof code === 'string' && STALE_SOCKET.has(code) && IDEMPOTENT.has(request.method)) return callVendor(agent, live, request, true);
    throw errors.UpstreamUnreachable(`the vendor API could not be reached${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

export async function forward(agent: Dispatcher, credentials: Credentials, live: Live, request: ProxyRequest): Promise<ProxyAnswer> {
  let current = await credentials.usable(live);
  let refreshed = current.version !== live.version;
  for (let attempt = 0; ; attempt++) {
    const { response, secrets } = await callVendor(agent, current, request);
    if (response.status === 401 && attempt === 0 && hasToken(current.connector)) {
      // Read away (up to undici's 128 KiB; beyond, the connection is closed), never rejects.
      await response.body.dump();
      current = await credentials.refresh(current.id, current.version, 'unauthorized');
      refreshed = true;
      continue;
    }
    return { status: response.status, headers: forwardResponseHeaders(response.headers, secrets), body: response.body, refreshed };
  }
}
