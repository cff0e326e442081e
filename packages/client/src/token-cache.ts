// Access tokens from the token endpoint, reused until shortly before they expire. One request
// per scope at a time: callers arriving while a token is being fetched wait for that fetch
// instead of starting their own.
import type { TokenResponse } from './types.ts';

/** Refresh this long before expiry, so a token never expires in flight. */
export const REFRESH_MARGIN_MS = 60_000;

interface Entry {
  token: TokenResponse;
  refreshAt: number;
}

export class TokenCache {
  readonly #fetchToken: (scope: string) => Promise<TokenResponse>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<TokenResponse>>();

  constructor(fetchToken: (scope: string) => Promise<TokenResponse>, now: () => number) {
    this.#fetchToken = fetchToken;
    this.#now = now;
  }

  get(scope: string): Promise<TokenResponse> {
    const entry = this.#entries.get(scope);
    if (entry && this.#now() < entry.refreshAt) return Promise.resolve(entry.token);
    const pending = this.#inflight.get(scope);
    if (pending) return pending;
    const started = this.#now();
    const request = this.#fetchToken(scope)
      .then((token) => {
        this.#entries.set(scope, { token, refreshAt: started + lifetime(token) });
        return token;
      })
      .finally(() => this.#inflight.delete(scope));
    this.#inflight.set(scope, request);
    return request;
  }

  /** Forget a token the server no longer accepts (revoked, or the key that signed it rotated). */
  invalidate(scope: string, accessToken: string): void {
    if (this.#entries.get(scope)?.token.access_token === accessToken) this.#entries.delete(scope);
  }
}

/**
 * How long to keep a token: its lifetime less the margin. Lifetimes shorter than twice the margin
 * are kept for half their length instead; a token without expires_in is not kept at all, since
 * RFC 6749 §5.1 leaves its lifetime unknown.
 */
function lifetime(token: TokenResponse): number {
  const ms = typeof token.expires_in === 'number' ? token.expires_in * 1000 : 0;
  return ms >= 2 * REFRESH_MARGIN_MS ? ms - REFRESH_MARGIN_MS : ms / 2;
}
