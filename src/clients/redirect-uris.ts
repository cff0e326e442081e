// Which redirect URIs a client may register. The authorization server sends codes and tokens to
// them, so each must be a place only the client controls:
// - https, anywhere (RFC 9700 §2.6: no open redirectors, no plain-text transport);
// - http only on the loopback interface, for native apps listening on the device
//   (RFC 8252 §7.3; §8.3 advises the IP literal over "localhost", which is accepted as well);
// - a private-use URI scheme for native apps, which RFC 8252 §7.1 says should be a reverse
//   domain name (com.example.app:/cb), so it holds a period.
// Schemes a browser runs or renders itself (javascript:, data:, vbscript:, file:, blob:, about:
// and the like) can never be a redirection endpoint: none contains a period, and they are named
// in the refusal.
import { isIP } from 'node:net';
import { AppError, errors } from '../errors.ts';

const BROWSER_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'filesystem:',
  'view-source:',
  'ws:',
  'wss:',
  'ftp:',
  'mailto:',
  'chrome:',
  'intent:',
]);
// RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
const PRIVATE_USE = /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/;

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * Throws a 400 naming the field, the URI and the rule it breaks. The same rules hold for the
 * URIs a browser is sent back to after signing out (RP-Initiated Logout 1.0 §3.1).
 */
export function checkRedirectUri(uri: string, field: 'redirect_uris' | 'post_logout_redirect_uris' = 'redirect_uris'): void {
  const refuse = (value: string, why: string): AppError => errors.InvalidField(field, `"${value}" ${why}`);
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw refuse(uri, 'is not an absolute URI');
  }
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment component.
  if (parsed.hash || uri.includes('#')) throw refuse(uri, 'must not contain a fragment');
  const scheme = parsed.protocol;
  if (scheme === 'https:') return;
  if (scheme === 'http:') {
    if (isLoopback(parsed.hostname)) return;
    throw refuse(uri, 'must use https (plain http is allowed only on loopback: 127.0.0.1, [::1] or localhost)');
  }
  if (BROWSER_SCHEMES.has(scheme) || !PRIVATE_USE.test(scheme)) {
    throw refuse(
      uri,
      `uses the scheme "${scheme.slice(0, -1)}": use https, http on loopback, or a private-use scheme in reverse domain form (com.example.app:/callback)`,
    );
  }
}
