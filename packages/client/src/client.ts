// The vendor's client for the OEM API (seeds 000 and 001) and the token endpoint. Create one per
// process and share it: it holds the access-token cache.
import { GatehouseError } from './errors.ts';
import { mspcToken } from './mspc-token.ts';
import { requestClientCredentialsToken } from './oauth.ts';
import { TokenCache } from './token-cache.ts';
import { Transport, type RequestSpec, type TransportOptions } from './transport.ts';
import type * as T from './types.ts';
import { VendorApiClient } from './vendor-api.ts';

export interface GatehouseClientOptions extends TransportOptions {
  clientId: string;
  clientSecret: string;
  /** This vendor's id: the default for calls that name a vendor. */
  vendorId?: string;
  /** Needed only for vendorApi(). */
  vendorApiKey?: string;
}

/** Seed 000: the scope OEM calls name alongside their credentials. */
export const VENDOR_MANAGE = 'vendor_manage';
/** Seed 001: the scope an access token needs to create external integrations. */
export const PARTNER_TOKEN_SCOPE = 'oem:partner_token';

const OEM = '/api/oem-api';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /**
   * Sent as the Idempotency-Key header. By default each call makes a random one, the same on all
   * of that call's retries; pass your own (stored with the job that makes the call) to make a
   * call safe to repeat across restarts too (Gatehouse keeps an answer for 24 hours).
   */
  idempotencyKey?: T.IdempotencyKey;
}

/** Calls take their options, or just an AbortSignal as they did before options existed. */
function callOptions(options: CreateOptions | AbortSignal | undefined): CreateOptions {
  return options === undefined ? {} : 'aborted' in options ? { signal: options } : options;
}

/**
 * One key per logical call: a random UUID, whose 122 random bits put two calls sharing one by
 * chance out of reach. The server takes 1 to 255 printable ASCII characters; a key may not start
 * or end with a space either, since HTTP drops those from a field value (RFC 9110 §5.5) and the
 * server would store another key than the caller meant.
 */
function idempotencyHeaders(options: CreateOptions): Record<string, string> {
  const key = options.idempotencyKey ?? globalThis.crypto.randomUUID();
  if (key.length > 255 || !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(key)) {
    throw new TypeError('idempotencyKey must be 1 to 255 printable ASCII characters, without a space at either end');
  }
  return { 'idempotency-key': key };
}

export class GatehouseClient {
  readonly #options: GatehouseClientOptions;
  readonly #transport: Transport;
  readonly #tokens: TokenCache;

  constructor(options: GatehouseClientOptions) {
    if (!options.clientId || !options.clientSecret) throw new TypeError('clientId and clientSecret are required');
    this.#options = options;
    this.#transport = new Transport(options);
    this.#tokens = new TokenCache((scope) => this.requestToken(scope), this.#transport.now);
  }

  /** POST /oauth/token with client credentials: always a fresh request, never cached. */
  requestToken(scope?: string, signal?: AbortSignal): Promise<T.TokenResponse> {
    return requestClientCredentialsToken(this.#transport, this.#options, scope, signal);
  }

  /** An access token for `scope`, reused until 60 s before it expires. */
  async accessToken(scope: string): Promise<string> {
    return (await this.#tokens.get(scope)).access_token;
  }

  /**
   * Seed 000, step 1. A GatehouseConflictError (409 CONFLICT) when this vendor already has the
   * organization or its owner email. Retries carry the call's Idempotency-Key, so one that follows
   * a lost answer gets that answer, one-time `organizationOemToken` included.
   */
  createOrganization(data: T.OrganizationData, options?: CreateOptions | AbortSignal): Promise<T.CreateOrganizationResponse> {
    return this.#withCredentials('POST', '/organization', { data }, callOptions(options));
  }

  /** Seed 000, step 3: a one-time login link for the organization's owner (or `vendorUserId`). */
  createSession(input: T.CreateSessionInput, options?: CreateOptions | AbortSignal): Promise<T.CreateSessionResponse> {
    return this.#withCredentials('POST', '/organization/session', { ...input }, callOptions(options));
  }

  /** Add a person to the organization. A 409 CONFLICT when its email or vendorUserId is taken there. */
  createUser(input: T.CreateUserInput, options?: CreateOptions | AbortSignal): Promise<T.CreateUserResponse> {
    return this.#withCredentials('POST', '/organization/user', { organizationOemToken: input.organizationOemToken, data: input.data }, callOptions(options));
  }

  /** Seed 001, step 1: an external integration, authorised by an `oem:partner_token` access token. */
  async createIntegration(input: T.CreateIntegrationInput, options?: CreateOptions | AbortSignal): Promise<T.CreateIntegrationResponse> {
    const { signal, ...rest } = callOptions(options);
    const json = { integrationType: 'external', organizationId: input.organizationId, vendorId: this.#vendorId(input.vendorId) };
    // One key for the call, whichever token the request goes out with.
    const headers = idempotencyHeaders(rest);
    return this.#withBearer(PARTNER_TOKEN_SCOPE, (authorization) =>
      this.#transport.request({ method: 'POST', path: `${OEM}/integration`, json, headers: { ...headers, authorization }, signal }),
    );
  }

  /** A `custom_hosted` integration whose credentials Gatehouse stores encrypted. */
  createCustomIntegration(input: T.IntegrationCredentialsInput, options?: CreateOptions | AbortSignal): Promise<T.CreateCustomIntegrationResponse> {
    return this.#credentialsCall('POST', input, callOptions(options));
  }

  /** Replaces the credentials: repeating it leaves the same state, so it needs no key. */
  updateIntegrationCredentials(input: T.IntegrationCredentialsInput, options?: CallOptions | AbortSignal): Promise<T.UpdateIntegrationCredentialsResponse> {
    return this.#credentialsCall('PATCH', input, callOptions(options));
  }

  /** Every vendor with its integration status for the organization. */
  listVendors(organizationId: string, options?: CallOptions | AbortSignal): Promise<T.ListVendorsResponse> {
    return this.#listing(organizationId, 'vendors', callOptions(options).signal);
  }

  /** The organization's integrations (never their credentials or keys). */
  listIntegrations(organizationId: string, options?: CallOptions | AbortSignal): Promise<T.ListIntegrationsResponse> {
    return this.#listing(organizationId, 'integrations', callOptions(options).signal);
  }

  /** A Vendor API client for one integration, from the partner key createIntegration returned. */
  vendorApi(partnerApiKey: string): VendorApiClient {
    if (!this.#options.vendorApiKey) throw new TypeError('vendorApiKey is required for the Vendor API');
    return new VendorApiClient({ ...this.#options, mspcToken: mspcToken(this.#options.vendorApiKey, partnerApiKey) });
  }

  /** Listings are GETs, so they take a Bearer token with vendor_manage instead of body credentials. */
  #listing<R>(organizationId: string, what: string, signal?: AbortSignal): Promise<R> {
    const path = `${OEM}/organization/${encodeURIComponent(organizationId)}/${what}`;
    return this.#withBearer(VENDOR_MANAGE, (authorization) => this.#transport.request<R>({ method: 'GET', path, headers: { authorization }, signal }));
  }

  // Async, so that a bad argument rejects the returned promise rather than throwing.
  async #credentialsCall<R>(method: 'POST' | 'PATCH', input: T.IntegrationCredentialsInput, options: CreateOptions): Promise<R> {
    const data = { vendorId: this.#vendorId(input.vendorId), integrationCredentials: input.integrationCredentials };
    // The seed's second integration shape carries the credentials without grantType and scope.
    const json = { clientId: this.#options.clientId, clientSecret: this.#options.clientSecret, organizationOemToken: input.organizationOemToken, data };
    return this.#transport.request<R>(this.#spec(method, '/integration', json, options));
  }

  /** Seed 000's calls carry the client credentials in the JSON body. */
  async #withCredentials<R>(method: 'POST' | 'PATCH', path: string, fields: Record<string, unknown>, options: CreateOptions): Promise<R> {
    const { clientId, clientSecret } = this.#options;
    const json = { clientId, clientSecret, grantType: 'client_credentials', scope: VENDOR_MANAGE, ...fields };
    return this.#transport.request<R>(this.#spec(method, path, json, options));
  }

  /** Creating calls (POST) get their Idempotency-Key here, once, before the first attempt. */
  #spec(method: 'POST' | 'PATCH', path: string, json: unknown, options: CreateOptions): RequestSpec {
    const headers = method === 'POST' ? idempotencyHeaders(options) : undefined;
    return { method, path: OEM + path, json, headers, signal: options.signal };
  }

  /** A cached token that the server rejects (revoked, signing key retired) is replaced once. */
  async #withBearer<R>(scope: string, send: (authorization: string) => Promise<R>): Promise<R> {
    const token = await this.#tokens.get(scope);
    try {
      return await send(`Bearer ${token.access_token}`);
    } catch (error) {
      if (!(error instanceof GatehouseError) || error.status !== 401) throw error;
      this.#tokens.invalidate(scope, token.access_token);
      return send(`Bearer ${(await this.#tokens.get(scope)).access_token}`);
    }
  }

  #vendorId(vendorId: string | undefined): string {
    const id = vendorId ?? this.#options.vendorId;
    if (!id) throw new TypeError('vendorId is required (pass it, or set it on the client)');
    return id;
  }
}
