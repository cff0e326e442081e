// How a connection's credential travels on a proxied call, per the connector's auth mode: an
// OAuth or two-step token in its header (with its prefix) or query parameter, HTTP Basic
// (RFC 7617), and in every mode the connector's proxyHeaders (API keys, a client id). The query
// side (proxyQuery, a token in the query) is added by targetOf.
import type { ConnectorDefinition } from '../definition.ts';
import { formEncode } from '../wire.ts';

/** The headers Gatehouse sets on a proxied call, by lower-case name; the caller's of the same names are dropped. */
function credentialHeaders(d: ConnectorDefinition, token: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(d.proxyHeaders)) headers[name.toLowerCase()] = value;
  if (d.authMode === 'basic' && d.basic) {
    // RFC 7617 §2: base64 of user-id ":" password, in UTF-8 (§2.1, the charset servers expect).
    headers.authorization = `Basic ${Buffer.from(`${d.basic.username}:${d.basic.password}`, 'utf8').toString('base64')}`;
  }
  if ((d.authMode === 'oauth2' || d.authMode === 'two_step') && d.tokenPlacement === 'header' && token !== undefined) {
    headers[d.tokenParam.toLowerCase()] = d.headerPrefix ? `${d.headerPrefix} ${token}` : token;
  }
  return headers;
}

/** The query parameters Gatehouse adds to a proxied call. */
export function credentialQuery(d: ConnectorDefinition, token: string | undefined): Record<string, string> {
  const query: Record<string, string> = { ...d.proxyQuery };
  if ((d.authMode === 'oauth2' || d.authMode === 'two_step') && d.tokenPlacement === 'query' && token !== undefined) query[d.tokenParam] = token;
  return query;
}

/**
 * How a live credential travels, worked out once when it is loaded rather than on every call: the
 * headers and query parameters Gatehouse sets, and the forms of every secret an answer must not
 * carry back.
 */
export interface Placement {
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  secrets: readonly string[];
}

export function placementOf(d: ConnectorDefinition, token: string | undefined, secrets: readonly string[]): Placement {
  return { headers: credentialHeaders(d, token), query: credentialQuery(d, token), secrets: credentialSecrets(d, token, secrets) };
}

/** What an answer passed back to the caller must never contain. */
function credentialSecrets(d: ConnectorDefinition, token: string | undefined, secrets: readonly string[]): string[] {
  const basic = d.authMode === 'basic' ? credentialHeaders(d, undefined).authorization?.slice('Basic '.length) : undefined;
  return secretForms([token, basic, ...secrets].filter((s): s is string => s !== undefined && s !== ''));
}

/**
 * Each secret as a vendor may echo it: as sent, percent-encoded (RFC 3986 §2.1, a query or a
 * redirect's Location), form-encoded (both the HTML form serialisation and URLSearchParams'), and
 * escaped inside a JSON string. Longest first, so a redaction never leaves part of a longer form.
 */
export function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (s === '') continue;
    forms.add(s);
    forms.add(encodeURIComponent(s));
    forms.add(formEncode(s));
    forms.add(new URLSearchParams({ s }).toString().slice('s='.length));
    forms.add(JSON.stringify(s).slice(1, -1));
  }
  return [...forms].sort((a, b) => b.length - a.length);
}
