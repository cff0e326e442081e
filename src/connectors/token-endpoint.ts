// Gatehouse as an OAuth client (RFC 6749): the token requests a connector makes (authorization
// code, client credentials, refresh) and token revocation (RFC 7009), each shaped by the
// definition: URL, client authentication, body format, scope separator, extra headers and params.
import type { Dispatcher } from 'undici';
import { OutboundTimeout } from '../net/outbound.ts';
import { AppError } from '../errors.ts';
import type { Connector } from './connectors.ts';
import { oauthClient, type RequestExtras } from './definition.ts';
import { exchange, ExchangeError } from './exchange.ts';
import { readTokenResponse, TokenResponseError, type TokenSet } from './token-response.ts';
import { encodeForm, encodeJson, formEncode, mergeParams, scopeValue, type Value } from './wire.ts';

// Errors that retrying cannot fix: the grant or the client itself was refused (RFC 6749 §5.2).
const PERMANENT = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client', 'unsupported_grant_type']);

/**
 * The vendor refused or could not be reached. `permanent`: trying again will not help.
 * `refusal`: the vendor's status and a short excerpt of its answer, when it refused.
 */
export class VendorTokenError extends AppError {
  readonly permanent: boolean;
  // Private, so that no logger serialises it: the vendor's answer may echo the credentials sent.
  readonly #refusal: { status: number; excerpt: string } | undefined;
  constructor(message: string, permanent: boolean, refusal?: { status: number; excerpt: string }, cause?: unknown) {
    super('vendor_token_error', message);
    this.permanent = permanent;
    if (cause !== undefined) this.cause = cause;
    this.#refusal = refusal && { status: refusal.status, excerpt: refusal.excerpt.slice(0, 2000) };
  }

  get refusal(): { status: number; excerpt: string } | undefined {
    return this.#refusal;
  }
}

export type Grant =
  | { grant_type: 'authorization_code'; code: string; redirect_uri: string; code_verifier?: string }
  | { grant_type: 'client_credentials' }
  | { grant_type: 'refresh_token'; refresh_token: string };

function describeRefusal(status: number, body: unknown): { message: string; code: string | undefined } {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const code = typeof b.error === 'string' ? b.error : undefined;
  const description = typeof b.error_description === 'string' ? `: ${b.error_description}` : '';
  return { code, message: code ? `${code}${description}`.slice(0, 500) : `HTTP ${status}` };
}

export class TokenEndpoint {
  #agent: Dispatcher;

  constructor(agent: Dispatcher) {
    this.#agent = agent;
  }

  /** Headers and body for a request authenticated as the connector's client (RFC 6749 §2.3.1). */
  #request(connector: Connector, extras: RequestExtras, params: Record<string, Value | undefined>) {
    const d = connector.definition;
    const { clientId } = oauthClient(d);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Gatehouse-Connectors/1', ...extras.headers };
    const own: Record<string, Value | undefined> = { ...params };
    if (d.clientAuthentication === 'basic') {
      // The client id and secret are form-encoded before they are joined and base64-encoded.
      headers.authorization = `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(connector.clientSecret)}`).toString('base64')}`;
    } else {
      own.client_id = clientId;
      own.client_secret = connector.clientSecret;
    }
    const merged = mergeParams(extras.params, own);
    headers['content-type'] = d.bodyFormat === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
    return { headers, body: d.bodyFormat === 'json' ? encodeJson(merged) : encodeForm(merged) };
  }

  /** A token request: to tokenUrl with extra.token, or (kind 'refresh') to refreshUrl with extra.refresh. */
  async token(connector: Connector, grant: Grant, kind: 'token' | 'refresh'): Promise<TokenSet> {
    const d = connector.definition;
    // RFC 6749 §4.4.2: a client-credentials request names the scope; a refresh may omit it (§6).
    const scope = grant.grant_type === 'client_credentials' ? scopeValue(d) : undefined;
    const { headers, body } = this.#request(connector, d.extra[kind], { ...grant, scope });
    const client = oauthClient(d);
    const url = kind === 'refresh' ? client.refreshUrl : client.tokenUrl;
    let answer;
    try {
      answer = await exchange(this.#agent, { url, headers, body, timeoutMs: d.timeoutMs });
    } catch (error) {
      throw new VendorTokenError(`the token endpoint could not be reached: ${reason(error)}`, error instanceof AppError, undefined, error);
    }
    const refusal = describeRefusal(answer.status, answer.body);
    if (answer.status < 200 || answer.status >= 300 || refusal.code) {
      const permanent = refusal.code !== undefined ? PERMANENT.has(refusal.code) : answer.status === 401;
      throw new VendorTokenError(`the vendor refused the token request: ${refusal.message}`, permanent, { status: answer.status, excerpt: answer.text });
    }
    try {
      return readTokenResponse(answer.body, d.tokenResponse);
    } catch (error) {
      if (error instanceof TokenResponseError) throw new VendorTokenError(error.message, false);
      throw error;
    }
  }

  /**
   * authMode two_step: the vendor's own token request (the definition's tokenRequest, filled),
   * its answer read through tokenResponse like an OAuth token response.
   */
  async twoStep(connector: Connector): Promise<TokenSet> {
    const d = connector.definition;
    const r = d.tokenRequest;
    if (!r) throw new Error(`connector "${d.name}" has no tokenRequest`);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'Gatehouse-Connectors/1', ...lowerKeys(r.headers) };
    let body: string | undefined;
    if (r.body) {
      const form = r.bodyFormat === 'form';
      headers['content-type'] = form ? 'application/x-www-form-urlencoded' : 'application/json';
      body = form ? encodeForm(r.body as Record<string, string>) : JSON.stringify(r.body);
    }
    let answer;
    try {
      answer = await exchange(this.#agent, { method: r.method, url: r.url, headers, body, timeoutMs: d.timeoutMs });
    } catch (error) {
      throw new VendorTokenError(`the token endpoint could not be reached: ${reason(error)}`, error instanceof AppError, undefined, error);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const refused = answer.status === 401 || answer.status === 403;
      throw new VendorTokenError(`the vendor refused the token request: HTTP ${answer.status}`, refused, { status: answer.status, excerpt: answer.text });
    }
    try {
      return readTokenResponse(answer.body, d.tokenResponse);
    } catch (error) {
      if (error instanceof TokenResponseError) throw new VendorTokenError(error.message, false);
      throw error;
    }
  }

  /** RFC 7009 §2.1: ask the vendor to revoke a token. True when it answered 200. */
  async revoke(connector: Connector, token: string, hint: 'access_token' | 'refresh_token'): Promise<boolean> {
    const url = connector.definition.revocationUrl;
    if (!url) return false;
    const { headers, body } = this.#request(connector, { headers: {}, params: {} }, { token, token_type_hint: hint });
    const answer = await exchange(this.#agent, { url, headers, body, timeoutMs: connector.definition.timeoutMs });
    return answer.status === 200;
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function reason(error: unknown): string {
  if (error instanceof ExchangeError || error instanceof OutboundTimeout || error instanceof AppError) return error.message;
  const e = error as { code?: unknown; message?: unknown };
  return typeof e?.code === 'string' ? e.code : typeof e?.message === 'string' ? e.message : String(error);
}
