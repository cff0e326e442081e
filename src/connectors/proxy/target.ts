// The vendor URL a proxied request goes to: the connector's apiBaseUrl, then the path after
// /proxy as the caller sent it (still percent-encoded), then the caller's query, with the token
// added as a query parameter when the connector says so, and the connector's proxyQuery.
import { errors } from '../../errors.ts';
import type { ConnectorDefinition } from '../definition.ts';
import { credentialQuery } from './credential.ts';

export interface Target {
  base: string; // the URL without the credential
  url: string; // with the credential when it travels in the query
}

/**
 * `rest`: the raw path and query after `/proxy`, e.g. "/v1/items?page=2"; `added`: the credential's
 * query parameters (credential.ts), when the caller has them already.
 */
export function targetOf(
  definition: ConnectorDefinition,
  rest: string,
  token: string | undefined,
  added: Readonly<Record<string, string>> = credentialQuery(definition, token),
): Target {
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  let query = q === -1 ? '' : rest.slice(q + 1);
  // Dot segments would climb out of apiBaseUrl once the URL is normalised (RFC 3986 §5.2.4). A
  // path with neither a dot nor a percent sign has none, even encoded, and is not decoded.
  const plain = !path.includes('.') && !path.includes('%');
  for (const segment of plain ? [] : path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw errors.Invalid('the proxied path is not valid percent-encoding');
    }
    // An encoded slash is fine (some APIs name resources that way), unless it hides a dot segment.
    if (decoded.split(/[/\\]/).some((part) => part === '.' || part === '..')) {
      throw errors.Invalid('the proxied path must not contain dot segments');
    }
  }
  if (/[^\x21-\x7E]/.test(path)) throw errors.Invalid('the proxied path must be percent-encoded');
  const base = `${definition.apiBaseUrl}${path}`;
  if (Object.keys(added).length > 0) {
    // The caller cannot choose the credential: a parameter of the same name is dropped.
    query = query
      .split('&')
      .filter((pair) => pair !== '' && !Object.hasOwn(added, safeDecode(pair.split('=')[0])))
      .join('&');
    const credential = Object.entries(added)
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
    return { base: query ? `${base}?${query}` : base, url: `${base}?${query ? `${query}&` : ''}${credential}` };
  }
  const url = query ? `${base}?${query}` : base;
  return { base: url, url };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
