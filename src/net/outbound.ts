// Outbound HTTP for webhooks and connectors (undici), guarded against server-side request
// forgery: each origin has a pool whose connect step resolves the host, checks every address it
// resolved to against the policy, and opens its sockets to the vetted address. There is no second
// lookup, so DNS rebinding cannot slip a private address in between the check and the connect. A
// kept-alive socket is reused only for its origin, and it leads to the address vetted when it was
// opened.
import { lookup as dnsLookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { Agent, buildConnector, Pool, type Dispatcher } from 'undici';
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
/** How long an origin's vetted address serves its new connections before the name is resolved and vetted again. */
const RESOLVE_MS = 30_000;

/**
 * The connect step of one origin's pool: every socket goes to the address vetted for the origin.
 * The name is resolved and vetted when the first socket opens and again once RESOLVE_MS has
 * passed, never between the check and the connect; a refusal or a failed lookup is not kept, so
 * the next connection asks again.
 */
function vettedConnector(policy: AddressPolicy): buildConnector.connector {
  const connectTo = buildConnector({ allowH2: false });
  let vetted: Promise<{ address: string }> | undefined;
  let until = 0;
  return (target, callback) => {
    const now = Date.now();
    if (vetted === undefined || now >= until) {
      const attempt = vet(policy, new URL(`${target.protocol}//${target.host}`));
      vetted = attempt;
      until = now + RESOLVE_MS;
      attempt.catch(() => {
        if (vetted === attempt) vetted = undefined;
      });
    }
    vetted.then(
      ({ address }) => connectTo({ ...target, hostname: address }, callback),
      (error: Error) => callback(error, null),
    );
  };
}

/**
 * The one outbound Agent, built by the composition root: one Pool per origin, each connecting
 * only to the address vetted for it, by number; the name stays the TLS server name, so the
 * certificate is still checked against the host the URL named. A pool that has no connection
 * left is dropped by the Agent, and its successor vets afresh.
 */
export function createAgent(policy: AddressPolicy): Agent {
  return new Agent({
    // HTTP/1.1 only, as the proxy's hop-by-hop header rules (RFC 9110 §7.6.1) assume.
    allowH2: false,
    keepAliveTimeout: IDLE_MS,
    keepAliveMaxTimeout: IDLE_MS,
    factory: (origin, options: Pool.Options) => new Pool(origin, { ...options, connect: vettedConnector(policy) }),
  });
}

/**
 * The deadline of one call, as the signal undici takes: an EventEmitter that emits `abort` with
 * its `reason` set (it has no `aborted` field, which would make undici take it for an
 * AbortSignal). A plain timer that is cleared once the call is over: AbortSignal.timeout would keep
 * a timer and a signal alive for the whole timeout after every call, which at hundreds of calls a
 * second leaves tens of thousands of them for the garbage collector.
 */
class Deadline extends EventEmitter {
  reason: OutboundTimeout | undefined;
  #timer: NodeJS.Timeout;

  constructor(ms: number) {
    super();
    this.#timer = setTimeout(() => {
      this.reason = new OutboundTimeout(ms);
      this.emit('abort');
    }, ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * Send one request through the Agent. Redirects are never followed (undici follows none unless
 * told to). A late head or body is aborted with an OutboundTimeout, which is what a caller sees
 * whether the head or the body was late.
 */
export async function send(agent: Dispatcher, req: OutboundRequest): Promise<OutboundResponse> {
  const url = new URL(req.url);
  checkScheme(url);
  const deadline = new Deadline(req.timeoutMs);
  try {
    const response = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: deadline,
      // Past the head, undici's idle timer between chunks bounds the body instead of the deadline.
      ...(req.until === 'head' ? { bodyTimeout: req.timeoutMs } : {}),
    });
    // The whole exchange: the deadline stands until the body is read, thrown away or aborted.
    if (req.until === 'head') deadline.clear();
    else response.body.once('close', () => deadline.clear());
    return { status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    deadline.clear();
    throw error;
  }
}
