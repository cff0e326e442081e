// Reading a vendor's token response through the definition's mapping (RFC 6749 §5.1 names by
// default): the access token, an optional refresh token, and when it expires, given as a
// lifetime in seconds or milliseconds or as an absolute time.
import { storableDate, storableText } from '../db/storable.ts';
import type { TimeUnit, TokenResponseMapping } from './definition.ts';

export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  tokenType: string | undefined;
  scope: string | undefined;
  expiresAt: Date | null; // null: the vendor said nothing about expiry
  /** Values for the connection's config, lifted by tokenResponse.config (an instance URL, say). */
  config?: Record<string, string>;
}

export class TokenResponseError extends Error {}

function at(body: unknown, path: string): unknown {
  let value = body;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);

function number(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

const toMs = (value: number, unit: TimeUnit) => (unit === 'milliseconds' ? value : value * 1000);

function expiry(body: unknown, mapping: TokenResponseMapping, now: number): Date | null {
  if (mapping.expiresAt) {
    const raw = at(body, mapping.expiresAt);
    const numeric = number(raw);
    // A time the database cannot store (year 300000, say) counts as no expiry given.
    if (numeric !== undefined) return storableDate(new Date(toMs(numeric, mapping.expiresAtUnit)));
    if (typeof raw === 'string' && !Number.isNaN(Date.parse(raw))) return storableDate(new Date(Date.parse(raw)));
  }
  const lifetime = number(at(body, mapping.expiresIn));
  return lifetime === undefined ? null : storableDate(new Date(now + toMs(lifetime, mapping.expiresInUnit)));
}

function lift(body: unknown, paths: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(paths)) {
    const value = text(at(body, path));
    // Filled into URLs and headers later: a value that could not go there is left out.
    if (value !== undefined && value.length <= 2000 && !/[\0\r\n]/.test(value)) out[name] = value;
  }
  return out;
}

export function readTokenResponse(body: unknown, mapping: TokenResponseMapping, now = Date.now()): TokenSet {
  const accessToken = text(at(body, mapping.accessToken));
  if (!accessToken) throw new TokenResponseError(`the token response has no access token at "${mapping.accessToken}"`);
  return {
    accessToken,
    refreshToken: text(at(body, mapping.refreshToken)),
    // Stored as text (the tokens themselves are sealed): what the vendor sent, made storable.
    tokenType: storableText(text(at(body, mapping.tokenType))) ?? undefined,
    scope: storableText(text(at(body, mapping.scope))) ?? undefined,
    expiresAt: expiry(body, mapping, now),
    config: lift(body, mapping.config),
  };
}
