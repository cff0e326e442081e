// Outbound HTTP for webhooks and connectors, guarded against server-side request forgery:
// the host is resolved once, every resolved address is checked against the policy, and the
// connection goes to the vetted address (no second lookup, so DNS rebinding cannot slip a
// private address in between the check and the connect).
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AppError } from '../errors.ts';
import type { AddressPolicy } from './address-policy.ts';
import type { AgentPool } from './pool.ts';

export interface OutboundRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number; // idle socket timeout
  /** Ends the whole exchange (lookup, connect, response body) when it aborts: a total deadline. */
  signal?: AbortSignal;
}

export interface OutboundResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: http.IncomingMessage; // a stream; the caller reads or pipes it
}

export class OutboundRefused extends AppError {
  constructor(message: string) {
    super('target_refused', message);
  }
}

/** Resolve and vet a URL's host; returns the address to connect to. */
export async function vet(policy: AddressPolicy, url: URL): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundRefused(`${url.protocol} URLs are not allowed`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] :
    await dnsLookup(host, { all: true, verbatim: true }).catch(() => {
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

/** With `pool`, connections are kept alive per vetted address (see pool.ts); without, one per call. */
export function createOutbound(policy: AddressPolicy, pool?: AgentPool) {
  return async function send(req: OutboundRequest): Promise<OutboundResponse> {
    const url = new URL(req.url);
    req.signal?.throwIfAborted();
    const target = await vet(policy, url);
    req.signal?.throwIfAborted();
    const pinned: LookupFunction = (_host, options, callback) => {
      if ((options as { all?: boolean }).all) (callback as any)(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<OutboundResponse>((resolve, reject) => {
      const request = transport.request(url, {
        method: req.method,
        headers: req.headers,
        lookup: pinned,
        timeout: req.timeoutMs,
        // Without a pool, a fresh connection per call: a shared socket could belong to another vetted address.
        agent: pool ? pool.agentFor(url.protocol, target.address) : false,
        signal: req.signal,
      }, (response) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: response }));
      request.on('timeout', () => request.destroy(new Error(`timed out after ${req.timeoutMs} ms`)));
      request.on('error', reject);
      request.end(req.body);
    });
  };
}

export type Outbound = ReturnType<typeof createOutbound>;
