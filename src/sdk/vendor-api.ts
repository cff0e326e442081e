// The Vendor API: calls made for one integration, authenticated by its MSPC_TOKEN (seed 001,
// step 3) as a Bearer token.
import { Transport, type TransportOptions } from './transport.ts';
import type * as T from './types.ts';

export interface VendorApiClientOptions extends TransportOptions {
  /** base64(vendorApiKey + ":" + partnerApiKey); see mspcToken(). */
  mspcToken: string;
}

const BASE = '/api/vendor-api';

export class VendorApiClient {
  readonly #transport: Transport;
  readonly #authorization: string;

  constructor(options: VendorApiClientOptions) {
    if (!options.mspcToken) throw new TypeError('mspcToken is required');
    this.#transport = new Transport(options);
    this.#authorization = `Bearer ${options.mspcToken}`;
  }

  /** The organization this integration belongs to. */
  getOrganization(signal?: AbortSignal): Promise<T.VendorApiOrganization> {
    return this.#call('GET', '/organization', undefined, signal);
  }

  /** Idempotent on vendorAccountId: sending the same account twice updates it. */
  createAccount(account: T.AccountInput, signal?: AbortSignal): Promise<T.Account> {
    return this.#call('POST', '/organization/accounts', account, signal);
  }

  listAccounts(signal?: AbortSignal): Promise<T.Account[]> {
    return this.#call('GET', '/organization/accounts', undefined, signal);
  }

  createService(service: T.ServiceInput, signal?: AbortSignal): Promise<T.Service> {
    return this.#call('POST', '/organization/services', service, signal);
  }

  listServices(signal?: AbortSignal): Promise<T.Service[]> {
    return this.#call('GET', '/organization/services', undefined, signal);
  }

  /** Tell Gatehouse how far the integration has got on the vendor's side. */
  setStatus(status: T.IntegrationStatus, signal?: AbortSignal): Promise<T.StatusResponse> {
    return this.#call('PATCH', '/status', { status }, signal);
  }

  #call<R>(method: 'GET' | 'POST' | 'PATCH', path: string, json: unknown, signal: AbortSignal | undefined): Promise<R> {
    return this.#transport.request<R>({ method, path: BASE + path, json, headers: { authorization: this.#authorization }, signal });
  }
}
