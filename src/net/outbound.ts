// Outbound HTTP for webhooks and connectors (undici), guarded against server-side request
// forgery: the Agent's connect step resolves the host once, checks every address it resolved to
// against the policy, and opens the socket to the vetted address. There is no second lookup, so
// DNS rebinding cannot slip a private address in between the check and the connect. A kept-alive
// socket is reused only for its origin, and it leads to the address vetted when it was opened.
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { AppError } from '../errors.ts';
import type { AddressPolicy } from './address-policy.ts';

export interface OutboundRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * The deadline. By default it covers the whole exchange (lookup, connect, the response body);
   * with `until: 'head'` it ends at the response head, and the body that streams on is bounded
   * by the same time between chunks instead.
   */
  timeoutMs: number;
  until?: 'end' | 'head';
}

export interface OutboundResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: Dispatcher.ResponseData['body']; // a stream; the caller reads, pipes or destroys it
}

export class OutboundRefused extends AppError {
  constructor(message: string) {
    super('target_refused', message);
  }
}

/** The deadline passed before the exchange was over. */
export class OutboundTimeout extends Error {
  constructor(ms: number) {
    super(`timed out after ${ms} ms`);
  }
}

function checkScheme(url: URL): void {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused(`${url.protocol} URLs are not allowed`);
}

/** Resolve and vet a URL's host; returns the address to connect to. */
export async function vet(policy: AddressPolicy, url: URL): Promise<{ address: string; family: 4 | 6 }> {
  checkScheme(url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [{ address: host, family: isIP(host) as 4 | 6 }]
    : await dnsLookup(host, { all: true, verbatim: true }).catch(() => {
        throw new OutboundRefused(`cannot resolve host "${host}"`);
      });
  // Every answer must pass: otherwise a name with one public and one private address could
  // be steered to the private one. The message names the host as given, never what a name
  // resolved to, so it cannot be used to map the internal network.
  for (const { address } of addresses) {
    const reason = policy.refuse(address);
    if (reason) throw new OutboundRefused(`${url.host} ${isIP(host) ? 'is' : 'resolves to'} ${reason}`);
  }
  const chosen = addresses[0] as { address: string; family: 4 | 6 };
  if (url.protocol === 'http:' && !policy.allowedPrivate(chosen.address)) {
    throw new OutboundRefused(`${url.host}: plain http is only allowed to networks opened by GATEHOUSE_ALLOW_PRIVATE_NETWORKS`);
  }
  return chosen;
}

/** An idle kept-alive socket is closed after this long (below common server keep-alive timeouts). */
const IDLE_MS = 4000;

/**
 * The one outbound Agent, built by the composition root. Its connect step vets, then connects to
 * the vetted address by number; the name stays the TLS server name, so the certificate is still
 * checked against the host the URL named.
 */
export function createAgent(policy: AddressPolicy): Agent {
  const connectTo = buildConnector({ allowH2: false });
  return new Agent({
    // HTTP/1.1 only, as the proxy's hop-by-hop header rules (RFC 9110 §7.6.1) assume.
    allowH2: false,
    keepAliveTimeout: IDLE_MS,
    keepAliveMaxTimeout: IDLE_MS,
    connect(target, callback) {
      vet(policy, new URL(`${target.protocol}//${target.host}`)).then(
        ({ address }) => connectTo({ ...target, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
  });
}

/**
 * Send one request through the Agent. Redirects are never followed (undici follows none unless
 * told to). The deadline is an AbortSignal.timeout; its abort reason is an OutboundTimeout, which
 * is what a caller sees whether the head or the body was late.
 */
export async function send(agent: Dispatcher, req: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(req.url);
  checkScheme(url);
  const deadline = AbortSignal.timeout(req.timeoutMs);
  const controller = new AbortController();
  const expire = () => controller.abort(new OutboundTimeout(req.timeoutMs));
  deadline.addEventListener('abort', expire, { once: true });
  try {
    const response = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: controller.signal,
      // Past the head, undici's idle timer between chunks bounds the body instead of the deadline.
      ...(req.until === 'head' ? { bodyTimeout: req.timeoutMs } : {}),
    });
    if (req.until === 'head') deadline.removeEventListener('abort', expire);
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    deadline.removeEventListener('abort', expire);
    throw error;
  }
}
