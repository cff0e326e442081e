import { errors } from '../errors.ts';

/**
 * RFC 6749 §3.3: the requested scope must be within what the client may have; an omitted
 * scope means the client's whole allowance (our documented default).
 */
export function grantedScope(requested: string | undefined, allowed: readonly string[]): string {
  if (requested === undefined) return allowed.join(' ');
  const wanted = requestedScopes(requested);
  const beyond = wanted.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) throw errors.InvalidScope(`scope not allowed for this client: ${beyond.join(' ')}`);
  return wanted.join(' ');
}

/** RFC 6749 §6: on refresh, a requested scope must not exceed what the grant holds. */
export function scopeWithin(requested: string, granted: string): string {
  const allowed = granted.split(' ').filter(Boolean);
  const wanted = requestedScopes(requested);
  const beyond = wanted.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) throw errors.InvalidScope(`scope beyond what was granted: ${beyond.join(' ')}`);
  if (wanted.length === 0) throw errors.InvalidScope('scope must not be empty');
  return wanted.join(' ');
}

/** The scopes of a `scope` parameter, each once, in the order asked for. */
export function requestedScopes(requested: string): string[] {
  return [...new Set(requested.split(' ').filter(Boolean))];
}
