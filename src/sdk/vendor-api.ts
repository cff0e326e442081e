// The Vendor API: calls made for one integration, authenticated by its MSPC_TOKEN (seed 001,
// step 3) as a Bearer token.
import { Transport, type RequestSpec, type TransportOptions } from './transport.ts';
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
  getOrganization(signal?: AbortSignal): Promise<T.GetOrganizationResponse> {
    return this.#call({ method: 'GET', path: '/organization', signal });
  }

  /** Idempotent on vendorAccountId: sending the same account again updates it. */
  createAccount(account: T.AccountInput, signal?: AbortSignal): Promise<T.SaveAccountResponse> {
    return this.#call({ method: 'POST', path: '/organization/accounts', json: account, signal });
  }

  listAccounts(page: T.PageInput = {}, signal?: AbortSignal): Promise<T.ListAccountsResponse> {
    return this.#call({ method: 'GET', path: '/organization/accounts', query: query(page), signal });
  }

  /** Idempotent on vendorServiceId. */
  createService(service: T.ServiceInput, signal?: AbortSignal): Promise<T.SaveServiceResponse> {
    return this.#call({ method: 'POST', path: '/organization/services', json: service, signal });
  }

  listServices(page: T.PageInput = {}, signal?: AbortSignal): Promise<T.ListServicesResponse> {
    return this.#call({ method: 'GET', path: '/organization/services', query: query(page), signal });
  }

  /** Tell Gatehouse how far the integration has got on the vendor's side. */
  setStatus(status: T.IntegrationStatus, signal?: AbortSignal): Promise<T.SetStatusResponse> {
    return this.#call({ method: 'PATCH', path: '/status', json: { status }, signal });
  }

  #call<R>(spec: RequestSpec): Promise<R> {
    return this.#transport.request<R>({ ...spec, path: BASE + spec.path, headers: { authorization: this.#authorization } });
  }
}

function query(page: T.PageInput): Record<string, string | undefined> {
  return { limit: page.limit === undefined ? undefined : String(page.limit), after: page.after };
}
