// Which headers cross the proxy. Hop-by-hop headers belong to one connection and are never
// forwarded (RFC 9110 §7.6.1), nor is any header the Connection header names. Gatehouse's own
// credentials (Authorization, cookies) stay here; the vendor's cookies do not reach the caller.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

// Request headers that describe the caller's connection to Gatehouse or carry its credentials.
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  'host',
  'authorization',
  'cookie',
  'content-length',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'x-real-ip',
  'origin',
  'referer',
  'mspc-token',
  'http2-settings',
]);

// Response headers that would act on Gatehouse's origin rather than the vendor's.
const RESPONSE_DROP = new Set([
  ...HOP_BY_HOP,
  'set-cookie',
  'set-cookie2',
  'www-authenticate',
  'strict-transport-security',
  'content-security-policy',
  'content-security-policy-report-only',
  'alt-svc',
  'clear-site-data',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-allow-headers',
  'access-control-allow-methods',
  'access-control-expose-headers',
  'access-control-max-age',
]);

const NONE: ReadonlySet<string> = new Set();

/** Header names listed in Connection (RFC 9110 §7.6.1): hop-by-hop for this message only. */
function connectionNamed(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const value = headers.connection;
  if (value === undefined || value === 'keep-alive') return NONE;
  return new Set(
    (Array.isArray(value) ? value.join(',') : (value ?? ''))
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

export function forwardRequestHeaders(headers: IncomingHttpHeaders, injected: Readonly<Record<string, string>>): Record<string, string> {
  const named = connectionNamed(headers);
  const out: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || REQUEST_DROP.has(name) || named.has(name) || name.startsWith('sec-') || Object.hasOwn(injected, name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The vendor's response headers to pass on; any header that would reveal a credential is dropped. */
export function forwardResponseHeaders(headers: IncomingHttpHeaders, secrets: readonly string[]): OutgoingHttpHeaders {
  const named = connectionNamed(headers);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || RESPONSE_DROP.has(name) || named.has(name)) continue;
    // A redirect or a debugging header may echo the request, credentials included.
    if (secrets.length > 0 && (Array.isArray(value) ? value : [value]).some((v) => secrets.some((secret) => v.includes(secret)))) continue;
    out[name] = value;
  }
  return out;
}
