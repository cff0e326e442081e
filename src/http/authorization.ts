// HTTP authentication for every surface: reading a Bearer credential from an Authorization
// header (RFC 6750 §2.1) and writing a WWW-Authenticate challenge (RFC 6750 §3, RFC 9110 §11.6.1).
// The parser only says what the header holds; each surface decides how to answer.
import { oauthDescription } from '../errors.ts';

/** What an Authorization header holds, as far as Bearer authentication is concerned. */
export type BearerCredentials =
  | { kind: 'absent' } // no Authorization header at all
  | { kind: 'other' } // credentials of another scheme (Basic, ...), or no scheme
  | { kind: 'malformed' } // the Bearer scheme, but not followed by exactly one b64token
  | { kind: 'token'; token: string };

// RFC 9110 §5.6.2: an auth-scheme is a token.
const SCHEME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, and b64token is RFC 9110 §11.2's token68.
// Only spaces separate them (no tabs), and nothing may follow the token.
const CREDENTIALS = /^ +([A-Za-z0-9\-._~+/]+=*)$/;
/** RFC 9110 §11.2 token68 (RFC 6750's b64token): the only shape a Bearer token can have. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Read the Bearer credential of an Authorization header value. */
export function parseBearer(header: string | undefined): BearerCredentials {
  if (header === undefined) return { kind: 'absent' };
  // RFC 9110 §5.5: whitespace around a field value is not part of it.
  const value = header.replace(/^[ \t]+|[ \t]+$/g, '');
  const scheme = SCHEME.exec(value)?.[0];
  // RFC 9110 §11.1: the scheme name is case-insensitive.
  if (scheme === undefined || scheme.toLowerCase() !== 'bearer') return { kind: 'other' };
  const match = CREDENTIALS.exec(value.slice(scheme.length));
  return match ? { kind: 'token', token: match[1] } : { kind: 'malformed' };
}

/** The token of a well-formed Bearer header; undefined for anything else. */
export function bearerToken(header: string | undefined): string | undefined {
  const credentials = parseBearer(header);
  return credentials.kind === 'token' ? credentials.token : undefined;
}

/**
 * RFC 9110 §5.6.4: a quoted-string, with `"` and `\` sent as quoted-pairs. Control characters
 * (CR and LF above all, which would end the header) and anything beyond ASCII have no safe
 * spelling in a header, so they become `?`.
 */
export function quotedString(value: string): string {
  return `"${value.replace(/[^\t\x20-\x7E]/gu, '?').replace(/["\\]/g, '\\$&')}"`;
}

/** A challenge of any scheme: `Scheme name="value", ...` in the order given, unset values left out. */
export function challenge(scheme: string, params: Record<string, string | undefined>): string {
  const pairs = Object.entries(params).filter((p): p is [string, string] => p[1] !== undefined);
  return pairs.length === 0 ? scheme : `${scheme} ${pairs.map(([name, value]) => `${name}=${quotedString(value)}`).join(', ')}`;
}

export interface BearerChallenge {
  realm: string;
  /** RFC 6750 §3.1: invalid_request, invalid_token or insufficient_scope. Left out when the request had no credentials. */
  error?: string;
  error_description?: string;
  /** RFC 6750 §3: the scope the resource needs. */
  scope?: string;
}

/** RFC 6750 §3: a Bearer challenge for WWW-Authenticate. */
export function bearerChallenge({ realm, error, error_description, scope }: BearerChallenge): string {
  // RFC 6750 §3: error and error_description hold only %x20-21 / %x23-5B / %x5D-7E (no `"`, no `\`).
  return challenge('Bearer', {
    realm,
    error: error === undefined ? undefined : oauthDescription(error),
    scope,
    error_description: error_description === undefined ? undefined : oauthDescription(error_description),
  });
}

/** The challenge as the headers of an error. */
export function bearerHeaders(params: BearerChallenge): { 'www-authenticate': string } {
  return { 'www-authenticate': bearerChallenge(params) };
}
